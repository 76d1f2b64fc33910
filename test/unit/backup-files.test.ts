// The backup file stores (src/store/backup-files*.ts): a local directory and
// an S3-compatible bucket (s3rver, started here). Both round-trip bytes,
// stream in bounded parts, and never leave a partial file that looks whole.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes, createHash } from 'node:crypto';
import { loadConfig } from '../../src/config/index.js';
import { openBackupFiles, type BackupFiles } from '../../src/store/backup-files.js';
import { startTestS3 } from '../helpers/s3rver.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'berth-backup-files-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const read = async (s: Readable) => { const parts: Buffer[] = []; for await (const c of s) parts.push(c as Buffer); return Buffer.concat(parts); };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** `total` bytes in chunks of `chunk`; fails after `failAfter` bytes if set. */
function source(data: Buffer, chunk = 64 * 1024, failAfter?: number): Readable {
  let at = 0;
  return new Readable({
    read() {
      if (failAfter !== undefined && at >= failAfter) { this.destroy(new Error('pg_dump died')); return; }
      if (at >= data.length) { this.push(null); return; }
      this.push(data.subarray(at, at + chunk)); at += chunk;
    },
  });
}

async function roundTrips(files: BackupFiles) {
  const small = randomBytes(1000);
  assert.deepEqual(await files.put('db1', 'a.dump', source(small)), { size: 1000 });
  assert.equal(sha(await read(await files.get('db1', 'a.dump'))), sha(small));
  // Three parts and a bit, with the S3 part size of 5 MiB.
  const big = randomBytes(16 * 1024 * 1024 + 123);
  assert.deepEqual(await files.put('db1', 'b.dump', source(big)), { size: big.length });
  assert.equal(sha(await read(await files.get('db1', 'b.dump'))), sha(big));
  assert.deepEqual(await files.put('db1', 'empty.dump', source(Buffer.alloc(0))), { size: 0 });
  await files.remove('db1', 'a.dump');
  await files.remove('db1', 'a.dump');
  await assert.rejects(files.get('db1', 'a.dump'), (e: { code: string; status: number }) => e.code === 'backup_file_missing' && e.status === 404);
  // A source that fails half-way (after one whole part) leaves nothing behind.
  await assert.rejects(files.put('db1', 'c.dump', source(big, 64 * 1024, 11 * 1024 * 1024)), /pg_dump died/);
  await assert.rejects(files.get('db1', 'c.dump'), /not in the backup store/);
  await assert.rejects(files.put('../x', 'c.dump', source(small)), (e: { code: string }) => e.code === 'backup_path_invalid');
}

test('local directory: round trip, atomic writes, clear errors', async () => {
  const config = loadConfig({ BERTH_DATA_DIR: dataDir });
  const files = openBackupFiles(config.backups);
  assert.match(files.where, /^local .*backups$/);
  await roundTrips(files);
  // No temp file left by the failed write.
  assert.deepEqual(readdirSync(path.join(dataDir, 'backups', 'db1')).sort(), ['b.dump', 'empty.dump']);
  if (process.getuid?.() !== 0) {
    chmodSync(path.join(dataDir, 'backups', 'db1'), 0o500);
    await assert.rejects(files.put('db1', 'd.dump', source(Buffer.from('x'))), (e: { code: string; hint?: string }) => e.code === 'backup_store_failed' && /writable/.test(e.hint ?? ''));
  }
});

test('S3-compatible bucket (s3rver): round trip in parts, failed uploads leave no object', async () => {
  const s3 = await startTestS3();
  try {
    const config = loadConfig({ BERTH_DATA_DIR: dataDir, ...s3.env, BERTH_BACKUP_S3_PART_MB: '5' });
    const files = openBackupFiles(config.backups);
    assert.equal(files.where, 's3://berth-backups/test/');
    await roundTrips(files);
    const wrong = openBackupFiles(loadConfig({ BERTH_DATA_DIR: dataDir, ...s3.env, BERTH_BACKUP_S3_BUCKET: 'no-such-bucket' }).backups);
    await assert.rejects(wrong.put('db1', 'a.dump', source(Buffer.from('x'))), (e: { code: string; message: string; hint?: string }) =>
      e.code === 'backup_store_failed' && /no-such-bucket/.test(e.message) && /bucket/.test(e.hint ?? ''));
  } finally {
    await s3.stop();
  }
});

test('S3 settings are checked at start', () => {
  assert.throws(() => loadConfig({ BERTH_BACKUP_S3_ENDPOINT: 'http://x:9000' }), /BUCKET/);
  assert.throws(() => loadConfig({ BERTH_BACKUP_S3_BUCKET: 'b', BERTH_BACKUP_S3_ENDPOINT: 'ftp://x' }), /http/);
  assert.equal(loadConfig({ BERTH_BACKUP_S3_BUCKET: 'b', BERTH_BACKUP_S3_PREFIX: 'berth' }).backups.s3?.prefix, 'berth/');
});
