// One run of a scheduled job, whoever asked (a tick or cron:run):
//   lock (no overlap, on any server) -> one-off container of the given
//   release, as `berth run` makes it -> output to the app log as
//   cron.<id> -> stopped at the time limit -> history entry -> audit
//   event if it failed.
import type { Release, CronJob } from '../../shared/types.js';
import { appendAppLog, type AppLogLine } from '../../store/app-logs.js';
import { lockCronJob, recordCronRun, unlockCronJob, cronJobRunning, type CronRun } from '../../store/cron-history.js';
import { auditRecord } from '../audit/record.js';
import type { OpsDeps } from '../deps.js';
import { lineSplitter } from '../../shared/line-splitter.js';

export interface CronRunOptions {
  readonly trigger: CronRun['trigger'];
  readonly dueAt: number;
  /** Also streams the output (cron:run). */
  readonly onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** Stops the run early (server shutting down, client gone). */
  readonly signal?: AbortSignal;
}

const MAX_LINE = 16 * 1024;
const FLUSH_MS = 500;

/** Splits output into app-log lines, written in batches; long lines are cut, never buffered without end. */
function appLogSink(deps: OpsDeps, app: string, process: string) {
  let batch: AppLogLine[] = [];
  let writing = Promise.resolve();
  const push = (line: string) => batch.push({ time: new Date().toISOString(), process, line: line.slice(0, MAX_LINE) });
  const flush = () => {
    const lines = batch;
    batch = [];
    writing = writing.then(() => appendAppLog(deps.redis, app, lines, deps.config.runtime.appLogLines))
      .catch((err: Error) => console.error(`cron ${app}/${process}: app log: ${err.message}`));
  };
  const timer = setInterval(flush, FLUSH_MS);
  // push() keeps the first MAX_LINE characters of a line, as before; the splitter's own bound only caps the buffer.
  const splitter = lineSplitter(push);
  return {
    write(text: string) {
      splitter.push(text);
    },
    line: push,
    async end() {
      clearInterval(timer);
      splitter.end();
      flush();
      await writing;
    },
  };
}

async function failedEvent(deps: OpsDeps, app: string, job: CronJob, run: CronRun): Promise<void> {
  const why = run.outcome === 'timeout' ? 'timed out' : run.code === undefined ? run.reason ?? 'could not start' : `exited with code ${run.code}`;
  await auditRecord({
    user: 'cron', via: 'server', source: '-', action: 'cron:failed', app, detail: `${job.id} (${job.command.slice(0, 200)})`, result: 'failed', error: why,
  }, deps);
}

/** Records a tick that did not run because the previous run is still going. */
async function skipped(deps: OpsDeps, app: string, job: CronJob, opts: CronRunOptions, release: Release): Promise<CronRun> {
  const holder = await cronJobRunning(deps.redis, app, job.id);
  const since = holder ? ` (started ${new Date(holder.startedAt).toISOString()})` : '';
  const run: CronRun = {
    job: job.id, dueAt: opts.dueAt, startedAt: Date.now(), durationMs: 0, outcome: 'skipped', release: release.version,
    trigger: opts.trigger, reason: `the previous run is still going${since}`,
  };
  await recordCronRun(deps.redis, app, run, deps.config.cron.historyRuns);
  await appendAppLog(deps.redis, app, [{ time: new Date().toISOString(), process: `cron.${job.id}`, line: `skipped: ${run.reason}` }], deps.config.runtime.appLogLines);
  return run;
}

export async function runCronJob(release: Release, job: CronJob, deps: OpsDeps, opts: CronRunOptions): Promise<CronRun> {
  const app = release.app;
  const timeoutMs = deps.config.cron.timeoutMs;
  const startedAt = Date.now();
  // The lock outlives the time limit a little, so a dead server's run frees it on its own.
  const locked = await lockCronJob(deps.redis, app, job.id, { startedAt, release: release.version, trigger: opts.trigger }, timeoutMs + 60_000);
  if (!locked) return skipped(deps, app, job, opts, release);
  const log = appLogSink(deps, app, `cron.${job.id}`);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  let run: CronRun;
  try {
    log.line(`Starting ${job.command} (${opts.trigger === 'manual' ? 'cron:run' : job.schedule}, v${release.version})`);
    const result = await deps.scheduler.run(release, {
      command: job.command, detach: false, process: `cron.${job.id}`, signal,
      onOutput: (s, text) => { log.write(text); opts.onOutput?.(s, text); },
    });
    const code = 'code' in result ? result.code : 0;
    const outcome = timeout.aborted ? 'timeout' : code === 0 ? 'succeeded' : 'failed';
    const reason = timeout.aborted ? `stopped after ${Math.round(timeoutMs / 1000)} s (BERTH_CRON_TIMEOUT_SEC)`
      : opts.signal?.aborted ? 'stopped before it ended (the Berth server shut down, or the cron:run client left)' : undefined;
    run = { job: job.id, dueAt: opts.dueAt, startedAt, durationMs: Date.now() - startedAt, outcome, code, release: release.version, trigger: opts.trigger, ...(reason ? { reason } : {}) };
    log.line(outcome === 'timeout' ? `Timed out: ${reason}` : `Exited with code ${code}`);
  } catch (err) {
    run = { job: job.id, dueAt: opts.dueAt, startedAt, durationMs: Date.now() - startedAt, outcome: 'failed', release: release.version, trigger: opts.trigger, reason: (err as Error).message };
    log.line(`Could not run: ${(err as Error).message}`);
  } finally {
    await log.end();
    await unlockCronJob(deps.redis, app, job.id);
  }
  await recordCronRun(deps.redis, app, run, deps.config.cron.historyRuns);
  if (run.outcome !== 'succeeded') await failedEvent(deps, app, job, run);
  return run;
}
