// cron:list — the live release's scheduled jobs, each with its next tick,
// whether a run is going, and its last runs (newest first).
import { nextCronRun } from '../../shared/app-json-cron.js';
import { cronJobRunning, cronRuns, type CronRun, type CronRunning } from '../../store/cron-history.js';
import { getRelease } from '../../store/apps.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

export interface CronJobView {
  readonly id: string;
  readonly schedule: string;
  readonly command: string;
  /** ISO time of the next tick (UTC). */
  readonly nextRunAt?: string;
  readonly running?: CronRunning;
  readonly lastRun?: CronRun;
  readonly runs: readonly CronRun[];
}

const MAX_RUNS = 100;

export async function cronList(input: { app: unknown; runs?: unknown }, deps: OpsDeps): Promise<{ app: string; release?: number; jobs: CronJobView[] }> {
  const app = await requireApp(input.app, deps);
  const release = app.currentRelease ? await getRelease(deps.redis, app.name, app.currentRelease) : undefined;
  const n = Math.min(MAX_RUNS, Math.max(1, Number(input.runs) || 10));
  const jobs = await Promise.all((release?.cron ?? []).map(async (j): Promise<CronJobView> => {
    const runs = await cronRuns(deps.redis, app.name, j.id, n);
    const running = await cronJobRunning(deps.redis, app.name, j.id);
    // From the schedule, as bullmq computes it (same parser, UTC); no queue connection per listing.
    return { ...j, nextRunAt: nextCronRun(j.schedule).toISOString(), ...(running ? { running } : {}), ...(runs[0] ? { lastRun: runs[0] } : {}), runs };
  }));
  return { app: app.name, ...(release ? { release: release.version } : {}), jobs };
}
