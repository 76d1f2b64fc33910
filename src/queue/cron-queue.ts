// Cron ticks on bullmq job schedulers: one scheduler per app.json `cron`
// entry of the live release, kept in Redis, so ticks survive a restart (an
// overdue tick runs when a worker is back) and, with several servers on one
// Redis, each tick is one job that one worker takes.
import { Queue, Worker, type Job } from 'bullmq';
import { cronPattern } from '../shared/app-json-cron.js';
import type { CronJob } from '../shared/types.js';
import type { RedisHandle } from '../store/redis.js';
import { bullPrefix } from './build-queue.js';

export interface CronTick { readonly app: string; readonly id: string }

const QUEUE_NAME = 'cron';
// App names have no dot, so `<app>.<id>` is unique and never splits wrongly.
const schedulerId = (app: string, id: string) => `${app}.${id}`;
const appSchedulers = (r: RedisHandle, app: string) => r.key('app', app, 'cron-schedulers');

function openQueue(r: RedisHandle): Queue<CronTick> {
  return new Queue<CronTick>(QUEUE_NAME, { connection: r.duplicate(), prefix: bullPrefix(r) });
}

/**
 * Makes the app's schedulers exactly `jobs` (the live release's). A job
 * whose id stays is left alone, so a redeploy does not move its next tick.
 */
export async function syncCronSchedules(r: RedisHandle, app: string, jobs: readonly CronJob[]): Promise<{ added: string[]; removed: string[] }> {
  const have = new Set(await r.client.smembers(appSchedulers(r, app)));
  const want = new Map(jobs.map((j) => [j.id, j]));
  const removed = [...have].filter((id) => !want.has(id));
  const added = [...want.values()].filter((j) => !have.has(j.id));
  if (!removed.length && !added.length) return { added: [], removed: [] };
  const queue = openQueue(r);
  try {
    for (const id of removed) {
      await queue.removeJobScheduler(schedulerId(app, id));
      await r.client.srem(appSchedulers(r, app), id);
    }
    for (const job of added) {
      await queue.upsertJobScheduler(schedulerId(app, job.id), { pattern: cronPattern(job.schedule), tz: 'UTC' }, {
        name: 'tick',
        data: { app, id: job.id },
        opts: { attempts: 1, removeOnComplete: 100, removeOnFail: 100 },
      });
      await r.client.sadd(appSchedulers(r, app), job.id);
    }
  } finally {
    await queue.close();
  }
  return { added: added.map((j) => j.id), removed };
}

/** Stops one job's ticks: a tick found its app or job gone. */
export async function removeCronSchedule(r: RedisHandle, app: string, id: string): Promise<void> {
  const queue = openQueue(r);
  try {
    await queue.removeJobScheduler(schedulerId(app, id));
    await r.client.srem(appSchedulers(r, app), id);
  } finally {
    await queue.close();
  }
}

/** When each of the app's schedulers fires next (ms), by job id. */
export async function nextCronTicks(r: RedisHandle, app: string): Promise<Map<string, number>> {
  const ids = await r.client.smembers(appSchedulers(r, app));
  const out = new Map<string, number>();
  if (!ids.length) return out;
  const queue = openQueue(r);
  try {
    for (const id of ids) {
      const s = await queue.getJobScheduler(schedulerId(app, id));
      if (s?.next !== undefined) out.set(id, s.next);
    }
  } finally {
    await queue.close();
  }
  return out;
}

export interface CronWorker { close(): Promise<void> }

/** Takes ticks; `process` gets the time the tick was due. */
export function startCronWorker(r: RedisHandle, concurrency: number, process: (tick: CronTick, dueAt: number) => Promise<void>): CronWorker {
  const worker = new Worker<CronTick>(QUEUE_NAME, async (job: Job<CronTick>) => {
    // A scheduler's job id ends in the tick's time: repeat:<scheduler>:<ms>.
    const due = Number(job.id?.split(':').pop());
    await process(job.data, Number.isFinite(due) && due > 0 ? due : job.timestamp);
  }, {
    connection: r.duplicate(),
    prefix: bullPrefix(r),
    concurrency,
    // A run cut off by a dying server is not run again: the next tick will.
    maxStalledCount: 0,
    lockDuration: 60_000,
  });
  worker.on('error', (err) => console.error(`cron worker: ${err.message}`));
  return { close: () => worker.close() };
}
