// The watch after go-live, whatever made the release (a push, a config change):
//   vN live -> the replaced release vP stands by (DeployOutcome.keepStandby):
//     the router falls back to it while vN has no web process that answers
//   -> look at the scheduler's ps (and, where the scheduler has it, each web
//      process's health check) every watchPollMs, for the window
//     -> vN's web processes went down, or failed their check, more than once (crash-count.ts)
//     -> take the app's deploy lease -> vN still current?
//     -> a new release from the one vN replaced: "Rollback to vP (vN crashed after go-live: ...)"
//     -> deploy it (start, check, switch) -> vN marked failed with its reason
//        and last lines -> audit log and the app's activity (releases:auto-rollback)
//     -> vN's containers and the standby drained and stopped.
//   window over -> the standby drained and stopped.
// A rollback's own release is never watched. One watch per app: a newer
// go-live ends the older watch. Watches live in this process only, so a
// server restart ends them quietly. Nothing here knows the scheduler's kind.
import { setTimeout as sleep } from 'node:timers/promises';
import type { BerthConfig } from '../config/index.js';
import type { Docker } from '../docker/client.js';
import { imageExists } from '../docker/images.js';
import type { DeployOutcome, RetireStandby, Scheduler } from '../runtime/scheduler.js';
import type { BuildLog } from '../shared/build-log.js';
import { releaseTag, type Release } from '../shared/types.js';
import { failLiveRelease, getApp, getRelease, replaceConfigVars } from '../store/apps.js';
import { readAppLog } from '../store/app-logs.js';
import { appendEvent } from '../store/events.js';
import type { RedisHandle } from '../store/redis.js';
import { waitForAppLease } from './app-lease.js';
import { crashCounter, healthCounter, webCrashes, watchSettings, type CrashTally } from './crash-count.js';
import { deployRelease } from './deploy-release.js';
import { newRelease } from './release.js';

export interface WatchDeps {
  readonly config: BerthConfig;
  readonly redis: RedisHandle;
  readonly docker: Docker;
  readonly scheduler: Scheduler;
}

// The push that made vN holds the lease while its old release drains.
const LEASE_WAIT_MS = 60_000;
const LAST_LINES = 20;
const EXPLAIN_LOOKS = 4;
const EXPLAIN_GAP_MS = 100;
// Health looks go at the pace of Swarm's task check (its Interval), not every poll: with app.json's path, each is a request the app sees.
const HEALTH_EVERY_MS = 2000;

const watches = new Map<string, AbortController>();

/** How long `release` will be watched after it replaced `previous`; 0 when it is not (turned off, a first or a rollback release). */
export function watchWindowMs(config: BerthConfig, release: Release, previous: number | undefined): number {
  const { autoRollback, watchMs } = watchSettings(release.config, config.runtime);
  if (!autoRollback || !previous || previous >= release.version || release.description.startsWith('Rollback')) return 0;
  return watchMs;
}

/** What the pusher reads last: that the release is watched, and what happens if it crashes. */
export function watchNotice(config: BerthConfig, release: Release, previous: number | undefined): string | undefined {
  const ms = watchWindowMs(config, release, previous);
  if (ms === 0) return undefined;
  return `Watched for ${Math.round(ms / 1000)} s: if its web processes crash or stop answering twice, v${previous} (standing by) takes the traffic back `
    + `and v${release.version} is marked failed; \`berth releases ${release.app}\` shows it`;
}

/**
 * Starts watching `release`, which just replaced `previous` (its version),
 * unless the app or server turned it off. Returns what the deployer runs in
 * place of outcome.retire(): with a watch, it keeps the replaced release as
 * the standby, which the watch retires at its end.
 */
export function watchAfterLive(deps: WatchDeps, release: Release, previous: number | undefined, outcome: DeployOutcome): () => Promise<void> {
  watches.get(release.app)?.abort();
  watches.delete(release.app);
  const watchMs = watchWindowMs(deps.config, release, previous);
  if (watchMs === 0 || !previous) return () => outcome.retire();
  const ac = new AbortController();
  watches.set(release.app, ac);
  let standby: Promise<RetireStandby> | undefined;
  // Once, whoever asks first: the deployer after its push ends, or the watch if it ends before that.
  const keep = () => (standby ??= outcome.keepStandby().catch(async (err: Error) => {
    console.error(`${release.app}: keeping v${previous} as the standby: ${err.message}; retiring it instead`);
    await outcome.retire();
    return async () => {};
  }));
  void watch(deps, release, previous, watchMs, ac.signal)
    .catch((err: Error) => console.error(`${release.app}: watch of v${release.version}: ${err.message}`))
    .finally(() => {
      if (watches.get(release.app) === ac) watches.delete(release.app);
      // The window is over (or a rollback or newer deploy took over): the standby's memory goes back.
      void keep().then((retire) => retire())
        .catch((err: Error) => console.error(`${release.app}: retiring the standby v${previous}: ${err.message}`));
    });
  return async () => { await keep(); };
}

/** At shutdown: every watch ends where it is. */
export function endWatches(): void {
  for (const ac of watches.values()) ac.abort();
  watches.clear();
}

async function watch(deps: WatchDeps, release: Release, previous: number, watchMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + watchMs;
  const since = Date.now();
  const crashedTwice = crashCounter();
  const unhealthy = healthCounter();
  const tag = releaseTag(release.version);
  // A restarted process soon runs again and no longer says why it stopped: keep the last reason seen.
  let why: { reason?: string; lastLines?: readonly string[]; health?: boolean } = {};
  let healthFailures = 0;
  let nextHealthLook = 0;
  let healthLook: Promise<void> | undefined;
  while (!signal.aborted && Date.now() < deadline) {
    if ((await getApp(deps.redis, release.app))?.currentRelease !== release.version) return;
    // A health look may wait seconds for a process that hangs: it runs beside the ps looks, never in their way.
    if (deps.scheduler.checkWeb && !healthLook && Date.now() >= nextHealthLook) {
      nextHealthLook = Date.now() + HEALTH_EVERY_MS;
      healthLook = deps.scheduler.checkWeb(release).then((looks) => {
        const health = unhealthy(looks);
        if (health.failures > healthFailures && !why.reason) why = { reason: health.reason, health: true };
        healthFailures = health.failures;
      }, () => {}).finally(() => { healthLook = undefined; });
    }
    // A look that fails (Docker busy, app being destroyed) is a look skipped, not a crash.
    const views = await deps.scheduler.ps(release.app).catch(() => undefined);
    if (views) {
      const tally = webCrashes(views, tag);
      if (tally.reason) why = { reason: tally.reason, lastLines: tally.lastLines?.length ? tally.lastLines : why.lastLines };
      if (crashedTwice({ ...tally, count: tally.count + healthFailures })) {
        console.error(`${release.app}: v${release.version}'s web processes went down or failed their health check twice (${Date.now() - since} ms after go-live)`);
        return rollBack(deps, release, previous, await explain(deps, release, since, why), signal);
      }
    }
    await sleep(deps.config.runtime.watchPollMs, undefined, { signal, ref: false }).catch(() => {});
  }
}

/**
 * The reason and last lines for the failed release. When no look caught a
 * process down (each was running again by then), a few quick looks more
 * usually do, a crash loop being down most of its time; the app log fills
 * in the lines.
 */
async function explain(deps: WatchDeps, release: Release, since: number, seen: { reason?: string; lastLines?: readonly string[]; health?: boolean }): Promise<CrashTally> {
  let why = seen;
  for (let i = 0; i < EXPLAIN_LOOKS && !why.reason; i++) {
    await sleep(EXPLAIN_GAP_MS);
    const tally = webCrashes(await deps.scheduler.ps(release.app).catch(() => []), releaseTag(release.version));
    if (tally.reason) why = tally;
  }
  let lastLines = why.lastLines ?? [];
  if (lastLines.length === 0) {
    const logged = await readAppLog(deps.redis, release.app, LAST_LINES, 'web').catch(() => []);
    lastLines = logged.filter((l) => Date.parse(l.time) >= since).map((l) => l.line);
  }
  return { count: 0, reason: why.reason ?? 'exited and was restarted', lastLines, health: why.health };
}

function quietLog(): BuildLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, step: (t) => lines.push(t), detail: (t) => lines.push(t), error: (t) => lines.push(t), raw: (l) => lines.push(l) };
}

async function rollBack(deps: WatchDeps, bad: Release, previous: number, tally: CrashTally, signal: AbortSignal): Promise<void> {
  const app = bad.app;
  const reason = tally.health
    ? `v${bad.version} failed its health check after go-live: ${tally.reason}`
    : `v${bad.version} crashed after go-live: ${tally.reason ?? 'exited'}`;
  const audit = (result: 'ok' | 'failed', detail: string, error?: string) => appendEvent(deps.redis,
    { user: 'berth', via: 'server', source: '-', action: 'releases:auto-rollback', app, detail, result, error },
    deps.config.access).catch((err: Error) => console.error(`audit: could not record releases:auto-rollback: ${err.message}`));
  const t0 = Date.now();
  console.error(`${app}: ${reason}; rolling back to v${previous}`);
  const lease = await waitForAppLease(deps.redis, app, LEASE_WAIT_MS);
  const leased = Date.now() - t0;
  try {
    // Someone deployed meanwhile, or the server is going down: that wins.
    if (signal.aborted || (await getApp(deps.redis, app))?.currentRelease !== bad.version) return;
    const target = await getRelease(deps.redis, app, previous);
    if (!target || !(await imageExists(deps.docker, target.image))) {
      return void await audit('failed', `v${bad.version}: ${reason}`, `v${previous}, to roll back to, is gone (its image was pruned)`);
    }
    // It crashed twice whatever happens next: failed from now, with why.
    await failLiveRelease(deps.redis, app, bad.version, { reason, lastLines: (tally.lastLines ?? []).slice(-LAST_LINES) });
    const { version: _v, image, createdAt: _c, status: _s, failure: _f, ...draft } = target;
    const next = await newRelease(deps.redis, deps.docker, image, { ...draft, description: `Rollback to v${previous} (${reason})` });
    const log = quietLog();
    const outcome = await deployRelease(next, log, deps).catch(async (err: Error) => {
      await audit('failed', `v${bad.version}: ${reason}`, `deploying v${next.version} (v${previous}) failed: ${err.message}`);
      throw err;
    });
    // As with a manual rollback, the rolled-back config is the app's config from now on.
    await replaceConfigVars(deps.redis, app, target.config);
    await audit('ok', `v${bad.version} -> v${next.version} (v${previous}): ${reason}`);
    console.error(`${app}: rolled back to v${previous} as v${next.version} in ${Date.now() - t0} ms (${leased} ms waiting for the deploy lease)`);
    await outcome.retire().catch((err: Error) => console.error(`${app}: retiring v${bad.version}: ${err.message}`));
  } finally {
    await lease.release();
  }
}
