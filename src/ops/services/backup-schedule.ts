// services:backups:schedule <name> "<cron>" --keep N, and
// services:backups:unschedule <name>. The schedule is written to Redis
// (what `services:backups` shows, and what the worker reads at each tick,
// so --keep changes apply at once) and to bullmq's job scheduler, which
// fires it. Cron is the usual five fields, in UTC.
import { CronExpressionParser } from 'cron-parser';
import { createBackupQueue } from '../../queue/backup-queue.js';
import { fail } from '../../shared/errors.js';
import { getSchedule, listSchedules, removeSchedule, setSchedule, type BackupSchedule } from '../../store/backups.js';
import type { OpsDeps } from '../deps.js';
import { requireService } from './lookup.js';
import { parseKeep } from './backup.js';

const CRON_HINT = 'five fields in UTC: minute hour day-of-month month day-of-week, e.g. "0 3 * * *" for 03:00 every day';

export function parseCron(raw: unknown): string {
  const cron = typeof raw === 'string' ? raw.trim().replace(/\s+/g, ' ') : '';
  if (cron.split(' ').length !== 5) throw fail('invalid_cron', `not a cron expression: "${String(raw ?? '')}"`, CRON_HINT);
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC' });
  } catch (err) {
    throw fail('invalid_cron', `not a cron expression: "${cron}" (${(err as Error).message})`, CRON_HINT);
  }
  return cron;
}

/** The next time the schedule fires, as an ISO date in UTC. */
export function nextRun(cron: string, after = new Date()): string {
  return CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: after }).next().toISOString() ?? '';
}

export async function servicesBackupsSchedule(input: { name: unknown; cron: unknown; keep: unknown }, deps: OpsDeps): Promise<{ schedule: BackupSchedule; nextRun: string }> {
  const cron = parseCron(input.cron);
  const keep = parseKeep(input.keep);
  if (keep === undefined) throw fail('keep_required', 'a schedule needs --keep N: how many good backups to keep', 'for example: --keep 7');
  const ctx = await requireService(input.name, deps);
  const schedule: BackupSchedule = { service: ctx.record.name, cron, keep, createdAt: Date.now() };
  const queue = createBackupQueue(deps.redis);
  try {
    await setSchedule(deps.redis, schedule);
    await queue.schedule(schedule.service, cron);
  } finally {
    await queue.close();
  }
  return { schedule, nextRun: nextRun(cron) };
}

export async function servicesBackupsUnschedule(input: { name: unknown }, deps: OpsDeps): Promise<{ unscheduled: string }> {
  const ctx = await requireService(input.name, deps);
  const name = ctx.record.name;
  if (!(await getSchedule(deps.redis, name))) throw fail('no_backup_schedule', `${name} has no backup schedule`, `set one with berth services:backups:schedule ${name} "0 3 * * *" --keep 7`);
  const queue = createBackupQueue(deps.redis);
  try {
    await queue.unschedule(name);
    await removeSchedule(deps.redis, name);
  } finally {
    await queue.close();
  }
  return { unscheduled: name };
}

/** At start: bullmq's schedulers made to match the schedules in Redis (a crash between the two writes, or a destroyed service). */
export async function syncBackupSchedules(deps: Pick<OpsDeps, 'redis'>): Promise<void> {
  const queue = createBackupQueue(deps.redis);
  try {
    const wanted = await listSchedules(deps.redis);
    for (const s of wanted) await queue.schedule(s.service, s.cron);
    for (const service of await queue.scheduled()) {
      if (!wanted.some((s) => s.service === service)) await queue.unschedule(service);
    }
  } finally {
    await queue.close();
  }
}
