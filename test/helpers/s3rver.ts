// An S3-compatible server (s3rver) of the test's own, on a free loopback port
// with a temp dir and one bucket, plus the BERTH_BACKUP_S3_* settings for it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';

export interface TestS3 {
  readonly env: Record<string, string>;
  readonly dir: string;
  stop(): Promise<void>;
}

export async function startTestS3(bucket = 'berth-backups'): Promise<TestS3> {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const { port } = (await server.run()) as { port: number };
  return {
    dir,
    env: {
      BERTH_BACKUP_S3_BUCKET: bucket,
      BERTH_BACKUP_S3_ENDPOINT: `http://127.0.0.1:${port}`,
      BERTH_BACKUP_S3_REGION: 'us-east-1',
      // s3rver's built-in account.
      BERTH_BACKUP_S3_ACCESS_KEY_ID: 'S3RVER',
      BERTH_BACKUP_S3_SECRET_ACCESS_KEY: 'S3RVER',
      BERTH_BACKUP_S3_PREFIX: 'test',
    },
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
