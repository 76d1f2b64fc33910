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

/**
 * A short-lived queue for scheduler changes. bullmq never closes a
 * connection it was handed, so ours is closed here: one per call, none leaked.
 */
async function withQueue<T>(r: RedisHandle, use: (q: Queue<CronTick>) => Promise<T>): Promise<T> {
  const connection = r.duplicate();
  const queue = new Queue<CronTick>(QUEUE_NAME, { connection, prefix: bullPrefix(r) });
  try {
    return await use(queue);
  } finally {
    await queue.close().catch(() => {});
    connection.disconnect();
  }
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
  await withQueue(r, async (queue) => {
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
  });
  return { added: added.map((j) => j.id), removed };
}

/** Stops one job's ticks: a tick found its app or job gone. */
export async function removeCronSchedule(r: RedisHandle, app: string, id: string): Promise<void> {
  await withQueue(r, async (queue) => {
    await queue.removeJobScheduler(schedulerId(app, id));
    await r.client.srem(appSchedulers(r, app), id);
  });
}

export interface CronWorker { close(): Promise<void> }

/** Takes ticks; `process` gets the time the tick was due. */
export function startCronWorker(r: RedisHandle, concurrency: number, process: (tick: CronTick, dueAt: number) => Promise<void>): CronWorker {
  const connection = r.duplicate();
  const worker = new Worker<CronTick>(QUEUE_NAME, async (job: Job<CronTick>) => {
    // A scheduler's job id ends in the tick's time: repeat:<scheduler>:<ms>.
    const due = Number(job.id?.split(':').pop());
    await process(job.data, Number.isFinite(due) && due > 0 ? due : job.timestamp);
  }, {
    connection,
    prefix: bullPrefix(r),
    concurrency,
    // A run cut off by a dying server is not run again: the next tick will.
    maxStalledCount: 0,
    lockDuration: 60_000,
  });
  worker.on('error', (err) => console.error(`cron worker: ${err.message}`));
  return { close: () => worker.close().finally(() => connection.disconnect()) };
}
