// Backup, check and restore of a postgres service, for the postgres kind
// file. The dump is `pg_dump -Fc` run inside the service over its unix
// socket (peer auth as postgres, so no password on a command line). The
// check is `pg_restore -f /dev/null`: it reads the archive's table of
// contents as `pg_restore --list` does AND every data block after it, so a
// dump cut short is caught (--list alone passes one whose TOC arrived).
// The restore runs in one transaction: a bad archive changes nothing.
import type { ServiceHandle } from './service-kind.js';
import { kindStepFailed } from './backup-errors.js';

const SOCKET = '/var/run/postgresql';

export function postgresBackup(database: string) {
  return {
    backupExtension: 'dump',
    async backup(h: ServiceHandle, _s: unknown, out: NodeJS.WritableStream, signal?: AbortSignal): Promise<void> {
      const { code, stderr } = await h.exec(['pg_dump', '-Fc', '-h', SOCKET, '-U', 'postgres', '-d', database], { stdout: out, signal });
      if (code !== 0) throw kindStepFailed('pg_dump', code, stderr);
    },
    verifyCommand: (): string[] => ['pg_restore', '-f', '/dev/null'],
    async restore(h: ServiceHandle, _s: unknown, input: NodeJS.ReadableStream, signal?: AbortSignal): Promise<void> {
      const { code, stderr } = await h.exec([
        'pg_restore', '--clean', '--if-exists', '--no-owner', '--single-transaction', '--exit-on-error',
        '-h', SOCKET, '-U', 'postgres', '-d', database,
      ], { stdin: input, signal });
      if (code !== 0) throw kindStepFailed('pg_restore', code, stderr);
    },
  };
}
