// The build queue, on bullmq, and nothing else: one job per push, a waiting
// job that can be taken back, and workers that may defer a job (another
// build of the same app holds the lease) without failing it. Which push
// supersedes which is the build's life (pipeline/build-life.ts).
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
export interface BuildQueue {
  add(data: BuildJobData): Promise<void>;
  /** Takes back a job no worker has started; false when one has (it then runs) or it is gone. */
  removeWaiting(buildId: string): Promise<boolean>;
  close(): Promise<void>;
}

export function createBuildQueue(r: RedisHandle): BuildQueue {
  const queue = new Queue<BuildJobData>(QUEUE_NAME, { connection: r.duplicate(), prefix: bullPrefix(r) });
  return {
    async add(data) {
      await queue.add('build', data, { jobId: data.buildId, attempts: 1, removeOnComplete: 500, removeOnFail: 500 });
    },
    async removeWaiting(buildId) {
      const job = await queue.getJob(buildId);
      if (!job || !((await job.isWaiting()) || (await job.isDelayed()))) return false;
      // remove() fails if a worker grabbed the job meanwhile; then it runs.
      return job.remove().then(() => true, () => false);
    },
    close: () => queue.close(),
  };
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
