// What the backups worker does at each tick of a service's schedule: read
// the schedule (gone: the service was unscheduled or destroyed; drop the
// tick) and run services:backup with its --keep. A failure is already on
// the record, the service and the audit log; here it is only logged.
import { getSchedule } from '../../store/backups.js';
import type { OpsDeps } from '../deps.js';
import { servicesBackup } from './backup.js';

export async function runScheduledBackup(service: string, deps: OpsDeps): Promise<void> {
  const schedule = await getSchedule(deps.redis, service);
  if (!schedule) return;
  await servicesBackup({ name: service, keep: schedule.keep, trigger: 'schedule' }, deps)
    .catch((err: Error) => console.error(`berth: scheduled backup of ${service}: ${err.message}`));
}
