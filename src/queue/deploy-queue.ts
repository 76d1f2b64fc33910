// The deploy hand-off. A build worker on another host builds the image and
// makes the release, then queues its deploy here; the node that runs apps
// (the api role's runtime duties) takes it, so no app container ever starts
// on a build worker.
import { Queue } from 'bullmq';
import type { RedisHandle } from '../store/redis.js';
import { bullPrefix, startQueueWorker, type BuildWorker, type JobControl } from './build-queue.js';

export interface DeployJobData {
  readonly buildId: string;
  readonly app: string;
  readonly version: number;
  /** The worker that built the image, for the log and for a clear error if the image is not here. */
  readonly worker: string;
  readonly predeploy?: string;
  readonly postdeploy?: string;
  readonly buildMs: number;
  readonly slugMs?: number;
}

const QUEUE_NAME = 'deploys';

export interface DeployQueue {
  enqueue(data: DeployJobData): Promise<void>;
  close(): Promise<void>;
}

export function createDeployQueue(r: RedisHandle): DeployQueue {
  const queue = new Queue<DeployJobData>(QUEUE_NAME, { connection: r.duplicate(), prefix: bullPrefix(r) });
  return {
    async enqueue(data) {
      await queue.add('deploy', data, { jobId: `deploy-${data.buildId}`, attempts: 1, removeOnComplete: 500, removeOnFail: 500 });
    },
    close: () => queue.close(),
  };
}

export function startDeployWorker(r: RedisHandle, concurrency: number,
  processor: (data: DeployJobData, control: JobControl) => Promise<void>): BuildWorker {
  return startQueueWorker(QUEUE_NAME, r, concurrency, processor);
}
