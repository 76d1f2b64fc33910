// A release's app.json `cron` takes effect when the release goes live (after
// the switch), replacing the previous live release's jobs; a rollback brings
// its release's jobs back the same way. The release is already serving, so
// a failure here is reported, never undoes the deploy: the ticks also check
// the live release, and the server re-syncs every app when it starts.
import type { BuildLog } from '../shared/build-log.js';
import type { Release } from '../shared/types.js';
import { syncCronSchedules } from '../queue/cron-queue.js';
import type { RedisHandle } from '../store/redis.js';

export async function goLiveCron(redis: RedisHandle, release: Release, log: BuildLog): Promise<void> {
  const jobs = release.cron ?? [];
  try {
    const { removed } = await syncCronSchedules(redis, release.app, jobs);
    if (!jobs.length && !removed.length) return;
    log.step(`Scheduled jobs (app.json cron): ${jobs.length}`);
    for (const j of jobs) log.detail(`${j.id}  ${j.schedule}  ${j.command}`);
    if (removed.length) log.detail(`stopped: ${removed.join(', ')} (no longer in app.json)`);
  } catch (err) {
    log.detail(`Warning: the scheduled jobs could not be updated (${(err as Error).message}); they will be on the next server start`);
  }
}
