// cron:run — one of the live release's jobs, now, as a tick would run it
// (same container, log, history and no-overlap lock), with its output
// streamed back. Split in two so an adapter refuses bad input before it
// opens a stream.
import { BerthError, fail } from '../../shared/errors.js';
import type { CronJob, Release } from '../../shared/types.js';
import { cronJobRunning } from '../../store/cron-history.js';
import { requireApp, requireCurrentRelease } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';
import { runCronJob } from './run-job.js';

export interface PreparedCronRun { readonly release: Release; readonly job: CronJob }

export async function cronRunPrepare(input: { app: unknown; id: unknown }, deps: OpsDeps): Promise<PreparedCronRun> {
  const app = await requireApp(input.app, deps);
  const release = await requireCurrentRelease(app, deps);
  const jobs = release.cron ?? [];
  const job = jobs.find((j) => j.id === input.id);
  if (!job) {
    const known = jobs.length ? `its jobs are: ${jobs.map((j) => j.id).join(', ')}` : 'it has no jobs (app.json has no cron)';
    throw fail('cron_job_not_found', `${app.name} v${release.version} has no scheduled job "${String(input.id).slice(0, 40)}"; ${known}`, 'see `berth cron:list ' + app.name + '`');
  }
  const running = await cronJobRunning(deps.redis, app.name, job.id);
  if (running) {
    throw new BerthError('cron_job_running', `${job.id} is already running (since ${new Date(running.startedAt).toISOString()})`,
      { hint: 'runs of one job never overlap; wait for it to end (see `berth cron:list`)' });
  }
  return { release, job };
}

export async function cronRunStart(run: PreparedCronRun, deps: OpsDeps,
  io: { onOutput?: (stream: 'stdout' | 'stderr', text: string) => void; signal?: AbortSignal } = {}) {
  return runCronJob(run.release, run.job, deps, { trigger: 'manual', dueAt: Date.now(), ...io });
}
