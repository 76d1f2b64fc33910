// docker-local deploy, in design order: start the new containers, check
// them, switch the route, then (in retire) drain and stop the old ones.
// Any failure before the switch removes only the new containers. Under the
// watch after go-live, keepStandby replaces retire (standby.ts).
// An app that deploys stop-first (storage:strategy) has its old containers
// stopped before the new ones start, and started again if those fail.
import { startContainer, stopAndRemove, stopContainer, type ContainerView } from '../../docker/containers.js';
import { LABEL } from '../../docker/labels.js';
import type { BuildLog } from '../../shared/build-log.js';
import { releaseTag, type Release } from '../../shared/types.js';
import { getRoute, setRoute, waitForDrain } from '../../store/routes.js';
import type { DeployOptions, DeployOutcome, Formation } from '../scheduler.js';
import { checkBoot, type BootError } from './boot-check.js';
import { appProcesses, procType, startProcess, type LocalDeps, type Proc } from './processes.js';
import { keepLocalStandby } from './standby.js';

export async function retireContainers(deps: LocalDeps, old: readonly ContainerView[]): Promise<void> {
  if (old.length === 0) return;
  // The routers report what is still in flight on each old upstream; stop
  // once that reaches zero, or at the drain timeout.
  const upstreams = old.filter((c) => procType(c) === 'web' && c.ip).map((c) => `${c.ip}:${c.env.PORT}`);
  if (upstreams.length) await waitForDrain(deps.redis, upstreams, { timeoutMs: deps.config.runtime.drainMs });
  await Promise.all(old.map((c) => stopAndRemove(deps.docker, c.id, deps.config.runtime.stopTimeoutSec)));
}

async function removeStopped(deps: LocalDeps, old: readonly ContainerView[]): Promise<void> {
  await Promise.all(old.map((c) => stopAndRemove(deps.docker, c.id, 0).catch(() => {})));
}

export async function removeStarted(deps: LocalDeps, started: readonly Proc[]): Promise<void> {
  await Promise.all(started.map((s) => stopAndRemove(deps.docker, s.id, 0).catch(() => {})));
}

export async function deployLocal(
  deps: LocalDeps, release: Release, formation: Formation, log: BuildLog, opts: DeployOptions = {},
): Promise<DeployOutcome> {
  const tag = releaseTag(release.version);
  const inScope = (type: string) => !opts.types || opts.types.includes(type);
  const old = (await appProcesses(deps, release.app)).filter((c) => inScope(procType(c)));
  const served = (await getRoute(deps.redis, release.app))?.release;
  const wanted = Object.entries(formation).filter(([type, n]) => inScope(type) && n > 0 && type in release.processTypes);
  const stopFirst = opts.stopFirst === true && old.length > 0;
  if (stopFirst) {
    // Stopped, not removed: if the new release fails they start again.
    log.step(`Stopping ${old.length} old process(es) first (deploy strategy stop-first)`);
    await Promise.all(old.map((c) => stopContainer(deps.docker, c.id, deps.config.runtime.stopTimeoutSec)));
  }
  log.step(`Launching ${tag} (${wanted.map(([t, n]) => `${t}=${n}`).join(' ') || 'no processes'})`);
  const started: Proc[] = [];
  try {
    for (const [type, count] of wanted) {
      for (let i = 1; i <= count; i++) started.push(await startProcess(deps, release, type, i, opts.resources));
    }
    const web = started.filter((s) => s.type === 'web');
    const upstreams = await Promise.all(web.map((p) => checkBoot(deps, release, p)));
    if (web.length) log.detail(`web is listening on port ${release.port}${release.healthchecks?.web?.length ? ' and passed its health checks' : ''}`);
    // A standby of an earlier watch goes with the switch: this deploy retires its containers.
    if (inScope('web')) await setRoute(deps.redis, { app: release.app, upstreams, release: tag, standby: [] });
    const retire = stopFirst ? () => removeStopped(deps, old) : () => retireContainers(deps, old);
    // Stop-first stopped them already: nothing of the old release is left to stand by.
    const keepStandby = stopFirst ? async () => { await retire(); return async () => {}; } : () => keepLocalStandby(deps, release.app, old, served);
    return { upstreams, retire, keepStandby };
  } catch (err) {
    for (const l of (err as BootError).logLines ?? []) log.raw(l);
    await removeStarted(deps, started);
    // The supervisor routes them again once they are back up.
    if (stopFirst) await Promise.all(old.filter((c) => c.state === 'running').map((c) => startContainer(deps.docker, c.id).catch(() => {})));
    // A first deploy that fails leaves the app known to the router with no
    // web process, so visitors get its 503 page ("crashed? see berth ps"), not "no such app".
    if (inScope('web') && !(await getRoute(deps.redis, release.app))) await setRoute(deps.redis, { app: release.app, upstreams: [], release: '' });
    throw err;
  }
}

/**
 * What a deploy cut off by a dead server left: the containers of another
 * release beside the current one (a new release's, started but never
 * switched to, or an old one's, never retired). Only a process type the
 * current release runs counts, so the processes of an older release that a
 * `--no-restart` config change left serving stay. Call with the app's
 * deploy lease held; returns how many were retired.
 */
export async function retireStrays(deps: LocalDeps, current: Release): Promise<number> {
  const tag = releaseTag(current.version);
  const all = await appProcesses(deps, current.app);
  const served = new Set(all.filter((c) => c.labels[LABEL.release] === tag && c.state === 'running').map(procType));
  const strays = all.filter((c) => c.labels[LABEL.release] !== tag && served.has(procType(c)));
  await retireContainers(deps, strays);
  return strays.length;
}
