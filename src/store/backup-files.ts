// Where backup files live: a directory under the data dir by default, or an
// S3-compatible bucket when BERTH_BACKUP_S3_BUCKET is set. Both write
// atomically: a backup that fails half-way never looks like a complete file
// (local: a hidden temp file renamed at the end; S3: a multipart upload that
// is only completed at the end, and aborted otherwise).
import type { Readable } from 'node:stream';
import type { BackupsConfig } from '../config/index.js';
import { BerthError } from '../shared/errors.js';
import { localBackupFiles } from './backup-files-local.js';
import { s3BackupFiles } from './backup-files-s3.js';

export interface BackupFiles {
  /** Shown to users: `local /var/lib/berth/backups` or `s3://bucket/prefix`. */
  readonly where: string;
  /** Streams `input` to <service>/<file>; the file exists only once all of it is written. */
  put(service: string, file: string, input: Readable, signal?: AbortSignal): Promise<{ size: number }>;
  /** A stream of the file; a BerthError 404 if it is not there. */
  get(service: string, file: string, signal?: AbortSignal): Promise<Readable>;
  /** Removes the file; a file already gone is not an error. */
  remove(service: string, file: string): Promise<void>;
}

export function openBackupFiles(config: BackupsConfig): BackupFiles {
  return config.s3 ? s3BackupFiles(config.s3, config.s3PartBytes) : localBackupFiles(config.dir);
}

// Names reach paths and keys: only what services and backup ids are made of.
const SAFE = /^[a-z0-9][a-z0-9._-]{0,120}$/;
export function checkBackupPath(service: string, file: string): void {
  if (!SAFE.test(service) || !SAFE.test(file) || file.includes('..')) {
    throw new BerthError('backup_path_invalid', `not a backup name: ${service}/${file}`, {
      hint: 'use a backup id from `berth services:backups <service>`',
    });
  }
}

export const backupMissing = (service: string, file: string) =>
  new BerthError('backup_file_missing', `the file of backup ${file} of ${service} is not in the backup store`, {
    hint: 'it was removed from the store by hand, or the store changed (BERTH_BACKUP_S3_*); list good ones with `berth services:backups`',
  });
