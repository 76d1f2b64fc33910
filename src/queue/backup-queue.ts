// Scheduled backups through bullmq's job schedulers: one scheduler per
// service (id `backup:<service>`, a cron pattern in UTC), kept in Redis by
// bullmq itself, so schedules survive restarts and upgrades, and each tick
// makes exactly one job that one worker on one server takes.
import { Queue, Worker, type Job } from 'bullmq';
import type { RedisHandle } from '../store/redis.js';
import { bullPrefix } from './build-queue.js';

const QUEUE_NAME = 'backups';
const schedulerId = (service: string) => `backup:${service}`;

export interface BackupJobData { readonly service: string }

export interface BackupQueue {
  /** Creates or replaces the service's schedule. */
  schedule(service: string, cron: string): Promise<void>;
  unschedule(service: string): Promise<void>;
  /** The ids of every schedule bullmq holds, for start-up repair. */
  scheduled(): Promise<string[]>;
  close(): Promise<void>;
}

export function createBackupQueue(r: RedisHandle): BackupQueue {
  const queue = new Queue<BackupJobData>(QUEUE_NAME, { connection: r.duplicate(), prefix: bullPrefix(r) });
  return {
    async schedule(service, cron) {
      await queue.upsertJobScheduler(schedulerId(service), { pattern: cron, tz: 'UTC' }, {
        name: 'backup', data: { service }, opts: { attempts: 1, removeOnComplete: 100, removeOnFail: 100 },
      });
    },
    async unschedule(service) { await queue.removeJobScheduler(schedulerId(service)); },
    async scheduled() {
      const all = await queue.getJobSchedulers(0, -1);
      return all.map((s) => s.key.replace(/^backup:/, ''));
    },
    close: () => queue.close(),
  };
}

export interface BackupWorker { close(): Promise<void> }

/** Takes scheduled backups one at a time; a job whose server died is not run twice. */
export function startBackupWorker(r: RedisHandle, run: (data: BackupJobData) => Promise<void>): BackupWorker {
  const worker = new Worker<BackupJobData>(QUEUE_NAME, async (job: Job<BackupJobData>) => run(job.data), {
    connection: r.duplicate(), prefix: bullPrefix(r), concurrency: 1, maxStalledCount: 0, lockDuration: 60_000,
  });
  worker.on('error', (err) => console.error(`backups worker: ${err.message}`));
  return { close: () => worker.close() };
}
