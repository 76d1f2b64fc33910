// The build queue, on bullmq. Producers enqueue one job per push; a newer
// push for the same app supersedes a job still waiting. Workers may defer a
// job (another build of the same app holds the lease) without failing it.
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { RedisHandle } from '../store/redis.js';

export interface BuildJobData {
  readonly buildId: string;
  readonly app: string;
}

export interface JobControl {
  /** Puts the job back for `ms` and ends this attempt; never returns. */
  defer(ms: number): Promise<never>;
}

export type BuildProcessor = (data: BuildJobData, control: JobControl) => Promise<void>;

const QUEUE_NAME = 'builds';
export const bullPrefix = (r: RedisHandle) => `${r.prefix}bull`;
const latestKey = (r: RedisHandle, app: string) => r.key('queue', 'latest', app);

export interface BuildQueue {
  /** Enqueues a build; returns ids of the waiting builds it superseded. */
  enqueue(data: BuildJobData): Promise<string[]>;
  close(): Promise<void>;
}

export function createBuildQueue(r: RedisHandle): BuildQueue {
  const queue = new Queue<BuildJobData>(QUEUE_NAME, { connection: r.duplicate(), prefix: bullPrefix(r) });
  return {
    async enqueue(data) {
      const superseded: string[] = [];
      const previous = await r.client.getset(latestKey(r, data.app), data.buildId);
      if (previous) {
        const job = await queue.getJob(previous);
        if (job && ((await job.isWaiting()) || (await job.isDelayed()))) {
          // remove() fails if a worker grabbed the job meanwhile; then it runs.
          const removed = await job.remove().then(() => true, () => false);
          if (removed) superseded.push(previous);
        }
      }
      await queue.add('build', data, {
        jobId: data.buildId, attempts: 1, removeOnComplete: 500, removeOnFail: 500,
      });
      return superseded;
    },
    close: () => queue.close(),
  };
}

/** The app's newest queued build, in the order pushes reached the queue. */
export async function latestBuildId(r: RedisHandle, app: string): Promise<string | undefined> {
  return (await r.client.get(latestKey(r, app))) ?? undefined;
}

export interface BuildWorker { close(): Promise<void> }

export function startBuildWorker(r: RedisHandle, concurrency: number, processor: BuildProcessor): BuildWorker {
  return startQueueWorker(QUEUE_NAME, r, concurrency, processor);
}

/** One consumer of a Berth queue; a job may defer itself (see JobControl). */
export function startQueueWorker<T>(name: string, r: RedisHandle, concurrency: number,
  processor: (data: T, control: JobControl) => Promise<void>): BuildWorker {
  const worker = new Worker<T>(name, async (job: Job<T>, token?: string) => {
    await processor(job.data, {
      async defer(ms) {
        await job.moveToDelayed(Date.now() + ms, token);
        throw new DelayedError();
      },
    });
  }, {
    connection: r.duplicate(),
    prefix: bullPrefix(r),
    concurrency,
    // A build whose worker died is failed by the pipeline's heartbeat sweep,
    // never silently run twice.
    maxStalledCount: 0,
    lockDuration: 60_000,
  });
  worker.on('error', (err) => console.error(`${name} worker: ${err.message}`));
  return { close: () => worker.close() };
}
