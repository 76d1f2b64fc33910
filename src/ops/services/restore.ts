// services:restore <name> <backup-id> [--to <new>]: a good backup read out
// of the store into the service (the kind decides how: pg_restore in one
// transaction, or the RDB swapped in while stopped), then wait until it
// accepts connections. With --to, a new service of the same kind is created
// first (services:create) and the backup goes there; if that restore fails,
// the new, empty service is removed again.
import { BerthError, fail } from '../../shared/errors.js';
import { parseServiceName } from '../../services/service-name.js';
import { openBackupFiles } from '../../store/backup-files.js';
import { getBackup, type BackupRecord } from '../../store/backups.js';
import type { OpsDeps } from '../deps.js';
import { servicesCreate } from './create.js';
import { requireService } from './lookup.js';
import { servicesDestroy } from './manage.js';
import { waitReady } from './ready.js';

const ID = /^\d{8}-\d{6}-[0-9a-f]{6}$/;

async function goodBackup(name: string, raw: unknown, deps: OpsDeps): Promise<BackupRecord> {
  const id = typeof raw === 'string' ? raw : '';
  if (!ID.test(id)) throw fail('invalid_backup_id', `not a backup id: "${String(raw ?? '')}"`, `copy one from berth services:backups ${name}`);
  const rec = await getBackup(deps.redis, name, id);
  if (!rec) throw fail('backup_not_found', `${name} has no backup ${id}`, `see berth services:backups ${name}`);
  if (rec.status !== 'succeeded') throw fail('backup_not_good', `backup ${id} of ${name} ${rec.status === 'running' ? 'is still running' : 'failed'}: it cannot be restored`, `choose a succeeded one from berth services:backups ${name}`);
  if (rec.removedAt !== undefined) throw fail('backup_removed', `backup ${id} of ${name} was removed by retention (--keep)`, `choose a newer one from berth services:backups ${name}`);
  return rec;
}

export async function servicesRestore(input: { name: unknown; backup: unknown; to?: unknown }, deps: OpsDeps): Promise<{ restored: string; from: string; backup: string; created: boolean; durationMs: number }> {
  const name = parseServiceName(input.name);
  const rec = await goodBackup(name, input.backup, deps);
  const files = openBackupFiles(deps.config.backups);
  if (rec.store !== files.where) {
    throw fail('backup_elsewhere', `backup ${rec.id} was written to ${rec.store}, but backups now go to ${files.where}`, 'restore it with the backup settings (BERTH_BACKUP_*) it was written with');
  }
  const to = input.to === undefined || input.to === null || input.to === '' ? undefined : parseServiceName(input.to);
  const started = Date.now();
  if (to !== undefined) await servicesCreate({ kind: rec.kind, name: to }, deps);
  const target = to ?? name;
  try {
    const ctx = await requireService(target, deps);
    if (ctx.kind.kind !== rec.kind) throw fail('backup_kind_mismatch', `backup ${rec.id} is a ${rec.kind} backup and ${target} is a ${ctx.kind.kind} service`, 'restore it into a service of its own kind, or use --to <new> to create one');
    const signal = AbortSignal.timeout(deps.config.backups.timeoutMs);
    await ctx.kind.restore(ctx.runtime.handle(ctx.spec), ctx.secrets, await files.get(name, rec.file, signal), signal);
    await waitReady(ctx, deps);
  } catch (err) {
    if (to !== undefined) await servicesDestroy({ name: to, confirm: to }, deps).catch((e: Error) => console.error(`services:restore --to ${to}: cleanup: ${e.message}`));
    if ((err as Error)?.name === 'TimeoutError') throw new BerthError('restore_timeout', `the restore took longer than BERTH_BACKUP_TIMEOUT_SEC`, { hint: 'raise BERTH_BACKUP_TIMEOUT_SEC for a database this large' });
    throw err;
  }
  return { restored: target, from: name, backup: rec.id, created: to !== undefined, durationMs: Date.now() - started };
}
