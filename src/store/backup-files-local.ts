// Backup files in a local directory: <dir>/<service>/<file>. A write goes to
// a hidden temp file beside the target, is fsynced, then renamed over it, so
// a crash or an error mid-way leaves no file that looks complete.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '../shared/errors.js';
import { backupMissing, checkBackupPath, type BackupFiles } from './backup-files.js';

export function localBackupFiles(dir: string): BackupFiles {
  const fileOf = (service: string, file: string) => { checkBackupPath(service, file); return path.join(dir, service, file); };
  return {
    where: `local ${dir}`,
    async put(service, file, input, signal) {
      const target = fileOf(service, file);
      const temp = path.join(path.dirname(target), `.${file}.partial-${randomBytes(4).toString('hex')}`);
      let size = 0;
      const count = new Transform({ transform(chunk: Buffer, _e, cb) { size += chunk.length; cb(null, chunk); } });
      try {
        await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
        await pipeline(input, count, createWriteStream(temp, { mode: 0o600 }), { signal });
        const fh = await open(temp, 'r');
        try { await fh.sync(); } finally { await fh.close(); }
        await rename(temp, target);
        return { size };
      } catch (err) {
        // Its directory may be what failed (not a directory, gone): the write's error is the one to report.
        await rm(temp, { force: true }).catch(() => undefined);
        throw storeError(err, `could not write ${target}`);
      }
    },
    async get(service, file) {
      const p = fileOf(service, file);
      const st = await stat(p).catch(() => undefined);
      if (!st?.isFile()) throw backupMissing(service, file);
      return createReadStream(p);
    },
    async remove(service, file) {
      await rm(fileOf(service, file), { force: true });
    },
  };
}

function storeError(err: unknown, what: string): BerthError {
  if (err instanceof BerthError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.name === 'AbortError') return new BerthError('backup_aborted', `${what}: aborted`, { cause: err, expose: true });
  const hint = e.code === 'EACCES' || e.code === 'EROFS' ? 'make the backup directory writable by Berth (BERTH_DATA_DIR/backups)'
    : e.code === 'ENOSPC' ? 'free disk space under BERTH_DATA_DIR, or send backups to S3 (BERTH_BACKUP_S3_BUCKET)' : undefined;
  // Node's messages start with the code already (EACCES: permission denied, ...).
  const text = e.code && !e.message.startsWith(e.code) ? `${e.code}: ${e.message}` : e.message;
  return new BerthError('backup_store_failed', `${what}: ${text}`, { cause: err, expose: true, hint });
}
