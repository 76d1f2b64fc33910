// services:backup <name> [--keep N]: the flow of one backup, manual or
// scheduled, and why it cannot fail silently:
//   record `running` -> the kind dumps out of the service -> the store writes
//   it atomically -> size > 0 -> the kind's check reads the written file back
//   in a throwaway container -> only then `succeeded` -> retention.
// Any step that fails ends the record `failed` with the reason, removes the
// file, sets the service's last backup to failed (the dashboard's red badge),
// is audited (a scheduled run here, with its reason; a manual one by the
// API), and throws, so a manual run exits non-zero.
import { PassThrough } from 'node:stream';
import { runCheckContainer } from '../../docker/check-container.js';
import { asBerthError, BerthError, fail } from '../../shared/errors.js';
import { lastWords } from '../../services/backup-errors.js';
import { openBackupFiles, type BackupFiles } from '../../store/backup-files.js';
import { addBackup, newBackupId, updateBackup, type BackupRecord, type BackupTrigger } from '../../store/backups.js';
import { setServiceField } from '../../store/services.js';
import { auditRecord } from '../audit/record.js';
import type { OpsDeps } from '../deps.js';
import { requireService, type ServiceContext } from './lookup.js';
import { applyRetention } from './backup-retention.js';

export const MAX_KEEP = 1000;

export function parseKeep(raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_KEEP) {
    throw fail('invalid_keep', `--keep must be a whole number from 1 to ${MAX_KEEP}, got "${String(raw)}"`, 'for example: --keep 7 keeps the seven newest good backups');
  }
  return n;
}

export async function servicesBackup(input: { name: unknown; keep?: unknown; trigger?: BackupTrigger }, deps: OpsDeps): Promise<{ backup: BackupRecord }> {
  const keep = parseKeep(input.keep);
  const ctx = await requireService(input.name, deps);
  const files = openBackupFiles(deps.config.backups);
  const id = newBackupId();
  const started: BackupRecord = {
    id, service: ctx.record.name, kind: ctx.kind.kind, file: `${id}.${ctx.kind.backupExtension}`, store: files.where,
    trigger: input.trigger ?? 'manual', startedAt: Date.now(), status: 'running',
  };
  await addBackup(deps.redis, started);
  let rec = started;
  try {
    const signal = AbortSignal.timeout(deps.config.backups.timeoutMs);
    const size = await dumpInto(ctx, files, started, signal);
    rec = { ...rec, size };
    if (size === 0) throw new BerthError('backup_empty', 'the dump was empty (0 bytes)', { expose: true });
    rec = { ...rec, check: await check(ctx, files, rec, deps, signal) };
    rec = finish(rec, 'succeeded');
  } catch (err) {
    rec = finish({ ...rec, error: reasonOf(err, deps) }, 'failed');
    await files.remove(rec.service, rec.file).catch(() => undefined);
  }
  await updateBackup(deps.redis, rec);
  await setServiceField(deps.redis, rec.service, 'lastBackup', JSON.stringify(lastBackupOf(rec)));
  // A manual run is audited by the API as services:backup (with backup_failed); a scheduled one only here.
  if (rec.trigger === 'schedule') await audit(rec, deps);
  if (rec.status === 'failed') {
    throw new BerthError('backup_failed', `backup ${rec.id} of ${rec.service} failed: ${rec.error}`, {
      expose: true, hint: `it is listed as failed in berth services:backups ${rec.service}; fix the cause and run berth services:backup ${rec.service} again`,
    });
  }
  if (keep !== undefined) await applyRetention(rec.service, keep, files, deps);
  return { backup: rec };
}

/** The kind's dump streamed into the store; a failure on either side stops the other. */
async function dumpInto(ctx: ServiceContext, files: BackupFiles, rec: BackupRecord, timeout: AbortSignal): Promise<number> {
  const stop = new AbortController();
  const signal = AbortSignal.any([timeout, stop.signal]);
  const pass = new PassThrough();
  const dump = ctx.kind.backup(ctx.runtime.handle(ctx.spec), ctx.secrets, pass, signal)
    .then(() => { pass.end(); }, (err: unknown) => { pass.destroy(err as Error); throw err; });
  const put = files.put(rec.service, rec.file, pass, signal).catch((err: unknown) => { stop.abort(err); throw err; });
  const [dumped, written] = await Promise.allSettled([dump, put]);
  // The dump's own error says more than the store's "stream destroyed".
  if (dumped.status === 'rejected') throw dumped.reason;
  if (written.status === 'rejected') throw written.reason;
  return written.value.size;
}

/** Reads the written file back out of the store into the kind's checker. */
async function check(ctx: ServiceContext, files: BackupFiles, rec: BackupRecord, deps: OpsDeps, signal: AbortSignal): Promise<string> {
  const cmd = ctx.kind.verifyCommand();
  const res = await runCheckContainer(deps.docker, {
    image: ctx.kind.image, cmd, input: await files.get(rec.service, rec.file, signal), signal,
    labels: { 'berth.service': rec.service, 'berth.role': 'backup-check' }, memoryBytes: deps.config.services.memoryBytes,
  });
  const said = lastWords(res.code === 0 ? res.stdout : res.stderr || res.stdout, 1).replace(/[^\x20-\x7e]/g, '').trim();
  if (res.code !== 0) {
    throw new BerthError('backup_check_failed', `the written backup did not pass its check (exit code ${res.code}${said ? `: ${said}` : ''})`, { expose: true });
  }
  return said ? `passed (${said})` : 'passed';
}

function finish(rec: BackupRecord, status: 'succeeded' | 'failed'): BackupRecord {
  const finishedAt = Date.now();
  return { ...rec, status, finishedAt, durationMs: finishedAt - rec.startedAt };
}

function reasonOf(err: unknown, deps: OpsDeps): string {
  if ((err as Error)?.name === 'TimeoutError') return `did not finish within ${Math.round(deps.config.backups.timeoutMs / 1000)} s (BERTH_BACKUP_TIMEOUT_SEC)`;
  const e = asBerthError(err);
  const text = e.expose ? e.message : `internal error: ${e.message}`;
  return e.hint && e.code !== 'backup_step_failed' ? `${text} (${e.hint})` : text;
}

/** What services:info and the dashboard show as the last backup. */
export function lastBackupOf(rec: BackupRecord): Record<string, unknown> {
  return { id: rec.id, status: rec.status, at: new Date(rec.finishedAt ?? rec.startedAt).toISOString(), size: rec.size ?? null, ...(rec.error ? { error: rec.error } : {}) };
}

async function audit(rec: BackupRecord, deps: OpsDeps): Promise<void> {
  await auditRecord({
    user: 'scheduler', via: 'server', source: deps.config.workerName,
    action: 'services:backup', detail: `${rec.service} ${rec.id}${rec.error ? `: ${rec.error.slice(0, 300)}` : ''}`,
    result: rec.status === 'succeeded' ? 'ok' : 'failed', ...(rec.error ? { error: 'backup_failed' } : {}),
  }, deps);
}
