// app.json `cron`, in Dokku's format: [{ "command": "...", "schedule": "@daily" }].
// Schedules are five-field cron or an @ name, in UTC; cron-parser (the one
// bullmq schedules with) decides what a field may hold, so validation and
// the ticks agree. Each job gets a stable id from its schedule and command,
// as Dokku derives its cron ids, so `cron:run <id>` survives a redeploy.
import { createHash } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';
import { appJsonError, describe, isObject, onlyKnownKeys } from './app-json-shape.js';
import type { CronJob } from './types.js';

export const CRON_MAX_JOBS = 50;
export const CRON_MAX_COMMAND = 4096;
const MAX_SCHEDULE = 100;

// Dokku's (robfig/cron's) names; @midnight is not one cron-parser knows.
const NAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const POLICIES = ['allow', 'forbid', 'replace'];

export interface CronOptions {
  /**
   * Test only (BERTH_CRON_ALLOW_SECONDS): also accept a six-field schedule
   * whose first field is seconds, so a test's "minute" can be a few seconds.
   * Everything after parsing (bullmq, the run) is the same path.
   */
  readonly allowSeconds?: boolean;
}

/** The cron pattern a schedule stands for: an @ name expanded, fields as written. */
export function cronPattern(schedule: string): string {
  return NAMES[schedule.trim().toLowerCase()] ?? schedule.trim().split(/\s+/).join(' ');
}

/** The next tick strictly after `from`, in UTC. */
export function nextCronRun(schedule: string, from: Date = new Date()): Date {
  return CronExpressionParser.parse(cronPattern(schedule), { tz: 'UTC', currentDate: from }).next().toDate();
}

export function cronJobId(schedule: string, command: string): string {
  return createHash('sha256').update(`${schedule}\n${command}`).digest('hex').slice(0, 10);
}

function checkSchedule(v: unknown, where: string, opts: CronOptions): string {
  if (typeof v !== 'string' || !v.trim()) throw appJsonError(`${where}.schedule must be a cron schedule (a string such as "0 3 * * *" or "@daily"), not ${describe(v)}`);
  if (v.length > MAX_SCHEDULE) throw appJsonError(`${where}.schedule is longer than ${MAX_SCHEDULE} characters`);
  const name = v.trim().toLowerCase();
  if (name.startsWith('@') && !NAMES[name]) {
    throw appJsonError(`${where}.schedule "${v}" is not a schedule name; the names are: ${Object.keys(NAMES).join(', ')}`);
  }
  const fields = cronPattern(v).split(' ');
  const allowed = opts.allowSeconds ? [5, 6] : [5];
  if (!allowed.includes(fields.length)) {
    const seconds = fields.length === 6 ? ' (a sixth field would be seconds, which Dokku and Berth do not run)' : '';
    throw appJsonError(`${where}.schedule "${v}" has ${fields.length} fields; a schedule has five: minute hour day-of-month month day-of-week${seconds}`);
  }
  // cron-parser's hashed "H" picks a per-job minute Dokku would not; be explicit.
  if (/h/i.test(fields.join('').replace(/[a-z]{3}/gi, ''))) throw appJsonError(`${where}.schedule "${v}": "H" (hashed) fields are not supported; write the minute`);
  try {
    CronExpressionParser.parse(cronPattern(v), { tz: 'UTC' });
  } catch (err) {
    throw appJsonError(`${where}.schedule "${v}" is not a valid cron schedule: ${(err as Error).message}`);
  }
  return v.trim();
}

function checkCommand(v: unknown, where: string): string {
  if (typeof v !== 'string' || !v.trim()) throw appJsonError(`${where}.command must be a shell command (a non-empty string), not ${describe(v)}`);
  if (v.length > CRON_MAX_COMMAND) throw appJsonError(`${where}.command is longer than ${CRON_MAX_COMMAND} characters`);
  if (v.includes('\0')) throw appJsonError(`${where}.command contains a NUL character`);
  return v;
}

export function parseCron(raw: unknown, warnings: string[], opts: CronOptions = {}): CronJob[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw appJsonError(`cron must be a list of { "command": ..., "schedule": ... }, not ${describe(raw)}`);
  if (raw.length > CRON_MAX_JOBS) throw appJsonError(`cron has ${raw.length} entries; at most ${CRON_MAX_JOBS} are allowed`);
  const jobs: CronJob[] = [];
  raw.forEach((entry: unknown, i) => {
    const where = `cron[${i}]`;
    if (!isObject(entry)) throw appJsonError(`${where} must be an object ({ "command": ..., "schedule": ... }), not ${describe(entry)}`);
    onlyKnownKeys(entry, where, ['command', 'schedule', 'concurrency_policy']);
    const command = checkCommand(entry.command, where);
    const schedule = checkSchedule(entry.schedule, where, opts);
    const policy = entry.concurrency_policy;
    if (policy !== undefined && (typeof policy !== 'string' || !POLICIES.includes(policy))) {
      throw appJsonError(`${where}.concurrency_policy must be one of ${POLICIES.join(', ')}, not ${describe(policy)}`);
    }
    if (policy === 'allow' || policy === 'replace') {
      warnings.push(`${where}.concurrency_policy "${policy}" is not supported by Berth; a tick whose previous run is still going is skipped ("forbid")`);
    }
    const id = cronJobId(schedule, command);
    const twin = jobs.find((j) => j.id === id);
    if (twin) throw appJsonError(`${where} repeats an earlier entry (same command and schedule, id ${id}); remove one`);
    jobs.push({ id, schedule, command });
  });
  return jobs;
}
