// services:backups <name>: every backup of the service, newest first, with
// size, duration, status and the check's verdict, plus its schedule and
// when that fires next. A backup left running by a dead server reads failed.
import { listBackups, getSchedule, type BackupRecord, type BackupSchedule } from '../../store/backups.js';
import { parseServiceName } from '../../services/service-name.js';
import { getServiceRecord } from '../../store/services.js';
import { fail } from '../../shared/errors.js';
import type { OpsDeps } from '../deps.js';
import { nextRun } from './backup-schedule.js';

export interface BackupsList {
  readonly service: string;
  readonly backups: BackupRecord[];
  readonly schedule: (BackupSchedule & { nextRun: string }) | null;
}

export async function servicesBackups(input: { name: unknown }, deps: OpsDeps): Promise<BackupsList> {
  const name = parseServiceName(input.name);
  const backups = await listBackups(deps.redis, name, deps.config.backups.timeoutMs);
  // Backups of a destroyed service stay listed (and restorable with --to); an unknown name is an error.
  if (backups.length === 0 && !(await getServiceRecord(deps.redis, name))) {
    throw fail('service_not_found', `service "${name}" does not exist`, 'see `berth services`');
  }
  const schedule = await getSchedule(deps.redis, name);
  return { service: name, backups, schedule: schedule ? { ...schedule, nextRun: nextRun(schedule.cron) } : null };
}
