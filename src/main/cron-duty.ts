// The node that runs apps also runs their scheduled jobs: it brings every
// app's schedulers in line with its live release (a release may have gone
// live while no server ran), then takes ticks. On shutdown, runs in
// progress are stopped (and recorded so) rather than waited for up to an hour.
import { cronTick } from '../ops/cron/tick.js';
import type { OpsDeps } from '../ops/deps.js';
import { startCronWorker, syncCronSchedules } from '../queue/cron-queue.js';
import { eachLimited } from '../shared/each-limited.js';
import { listApps } from '../store/apps.js';
import { currentRelease, type Platform } from './platform.js';

export async function startCronDuty(p: Platform): Promise<() => Promise<void>> {
  await eachLimited(await listApps(p.redis), p.config.runtime.reconcileConcurrency, async (app) => {
    const release = await currentRelease(p.redis, app);
    await syncCronSchedules(p.redis, app, release?.cron ?? []).catch((err: Error) => console.error(`cron ${app}: ${err.message}`));
  });
  const stop = new AbortController();
  const deps: OpsDeps = { config: p.config, redis: p.redis, queue: p.queue, docker: p.docker, scheduler: p.scheduler };
  const worker = startCronWorker(p.redis, p.config.cron.concurrency, (tick, dueAt) =>
    cronTick(tick, dueAt, deps, stop.signal).catch((err: Error) => console.error(`cron ${tick.app}/${tick.id}: ${err.message}`)));
  return async () => {
    stop.abort();
    await worker.close();
  };
}
