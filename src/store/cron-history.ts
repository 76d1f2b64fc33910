// Each scheduled job's own history (its last N runs, newest first) and the
// lock that keeps two runs of one job from overlapping, on any server: a
// run holds `running` until it ends, or until its deadline passes if the
// server holding it died.
import type { RedisHandle } from './redis.js';

export type CronOutcome = 'succeeded' | 'failed' | 'timeout' | 'skipped';

export interface CronRun {
  readonly job: string;
  /** When the tick was due (schedule) or the run was asked for (manual). */
  readonly dueAt: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: CronOutcome;
  /** The container's exit code; absent when skipped or it could not start. */
  readonly code?: number;
  readonly release?: number;
  readonly trigger: 'schedule' | 'manual';
  /** Why it was skipped, or what stopped it from starting. */
  readonly reason?: string;
}

/** What the lock holds while a run is going: shown by cron:list. */
export interface CronRunning { readonly startedAt: number; readonly release: number; readonly trigger: CronRun['trigger'] }

// Under the app's keys, so apps:destroy (deleteAppState) takes them too.
const runsKey = (r: RedisHandle, app: string, job: string) => r.key('app', app, 'cron', job, 'runs');
const lockKey = (r: RedisHandle, app: string, job: string) => r.key('app', app, 'cron', job, 'running');

export async function recordCronRun(r: RedisHandle, app: string, run: CronRun, keep: number): Promise<void> {
  await r.client.multi().lpush(runsKey(r, app, run.job), JSON.stringify(run)).ltrim(runsKey(r, app, run.job), 0, keep - 1).exec();
}

export async function cronRuns(r: RedisHandle, app: string, job: string, n: number): Promise<CronRun[]> {
  return (await r.client.lrange(runsKey(r, app, job), 0, n - 1)).map((s) => JSON.parse(s) as CronRun);
}

/** Takes the job's lock for at most `ttlMs`; false if a run holds it. */
export async function lockCronJob(r: RedisHandle, app: string, job: string, running: CronRunning, ttlMs: number): Promise<boolean> {
  return (await r.client.set(lockKey(r, app, job), JSON.stringify(running), 'PX', ttlMs, 'NX')) === 'OK';
}

export async function cronJobRunning(r: RedisHandle, app: string, job: string): Promise<CronRunning | undefined> {
  const raw = await r.client.get(lockKey(r, app, job));
  return raw ? (JSON.parse(raw) as CronRunning) : undefined;
}

export async function unlockCronJob(r: RedisHandle, app: string, job: string): Promise<void> {
  await r.client.del(lockKey(r, app, job));
}
