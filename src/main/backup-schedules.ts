// Scheduled backups on the node that runs services (the api role's runtime
// duties): bullmq's schedulers are made to match the schedules in Redis,
// then one worker takes each tick. Several servers may run this: bullmq
// hands each tick's job to one of them.
import { runScheduledBackup } from '../ops/services/backup-run-scheduled.js';
import { syncBackupSchedules } from '../ops/services/backup-schedule.js';
import { startBackupWorker } from '../queue/backup-queue.js';
import type { Platform } from './platform.js';

export async function startBackupSchedules(p: Platform): Promise<() => Promise<void>> {
  await syncBackupSchedules(p).catch((err: Error) => console.error(` !     backup schedules could not be checked: ${err.message}`));
  const worker = startBackupWorker(p.redis, (data) => runScheduledBackup(data.service, p));
  return () => worker.close();
}
