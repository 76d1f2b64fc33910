// A cron tick, as the queue hands it over: run the job in the release that
// is live now. A tick for an app or job that is gone (destroyed, or the live
// release's app.json no longer has it) brings the schedulers in line and
// runs nothing.
import { parseAppName } from '../../shared/app-name.js';
import { getApp, getRelease, isStopped } from '../../store/apps.js';
import { removeCronSchedule, type CronTick } from '../../queue/cron-queue.js';
import { recordCronRun } from '../../store/cron-history.js';
import type { OpsDeps } from '../deps.js';
import { runCronJob } from './run-job.js';

export async function cronTick(tick: CronTick, dueAt: number, deps: OpsDeps, signal: AbortSignal): Promise<void> {
  const app = await getApp(deps.redis, parseAppName(tick.app));
  const release = app?.currentRelease ? await getRelease(deps.redis, app.name, app.currentRelease) : undefined;
  const job = release?.cron?.find((j) => j.id === tick.id);
  if (!app || !release || !job) {
    await removeCronSchedule(deps.redis, tick.app, tick.id);
    return;
  }
  if (await isStopped(deps.redis, app.name)) {
    await recordCronRun(deps.redis, app.name, {
      job: job.id, dueAt, startedAt: Date.now(), durationMs: 0, outcome: 'skipped', release: release.version, trigger: 'schedule',
      reason: 'the app is stopped (ps:stop); start it to run its jobs',
    }, deps.config.cron.historyRuns);
    return;
  }
  await runCronJob(release, job, deps, { trigger: 'schedule', dueAt, signal });
}
