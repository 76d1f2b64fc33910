// What the backups worker does at each tick of a service's schedule: read
// the schedule (gone: the tick is dropped) and run services:backup with its
// --keep. A failure inside the backup is already on its record, the service
// and the audit log. One before it (the service was destroyed, the Redis
// read failed) gets a failed record and an audit event here, so no tick is
// lost in a log line; a destroyed service's schedule is removed.
import { createBackupQueue } from '../../queue/backup-queue.js';
import { asBerthError } from '../../shared/errors.js';
import { addBackup, getSchedule, newBackupId, removeSchedule } from '../../store/backups.js';
import { auditRecord } from '../audit/record.js';
import type { OpsDeps } from '../deps.js';
import { servicesBackup } from './backup.js';

export async function runScheduledBackup(service: string, deps: OpsDeps): Promise<void> {
  const schedule = await getSchedule(deps.redis, service);
  if (!schedule) return;
  try {
    await servicesBackup({ name: service, keep: schedule.keep, trigger: 'schedule' }, deps);
  } catch (err) {
    const e = asBerthError(err);
    console.error(`berth: scheduled backup of ${service}: ${e.message}`);
    if (e.code === 'backup_failed') return;
    const now = Date.now();
    const id = newBackupId();
    await addBackup(deps.redis, {
      id, service, kind: '-', file: '-', store: '-', trigger: 'schedule', startedAt: now, finishedAt: now, durationMs: 0, status: 'failed',
      error: `the scheduled backup could not start: ${e.expose ? e.message : 'internal error'}`,
    }).catch(() => undefined);
    await auditRecord({ user: 'scheduler', via: 'server', source: deps.config.workerName, action: 'services:backup', detail: `${service} ${id}: ${e.message.slice(0, 300)}`, result: 'failed', error: e.code }, deps);
    if (e.code === 'service_not_found') {
      await removeSchedule(deps.redis, service);
      const queue = createBackupQueue(deps.redis);
      await queue.unschedule(service).finally(() => queue.close());
    }
  }
}
