// The standby of the watch after go-live, on one engine: the replaced
// release's web containers are already running, so they simply stay up,
// outside the route but listed as its standby (store/routes.ts). The router
// sends them traffic only while the new release has no web process that
// answers, so a release that crashes is rolled back with no gap. Other
// process types retire at once, and the standby at the end of the watch:
// it holds memory only for the window.
import type { ContainerView } from '../../docker/containers.js';
import { LABEL } from '../../docker/labels.js';
import { clearStandby, setStandby } from '../../store/route-standby.js';
import type { RetireStandby } from '../scheduler.js';
import { retireContainers } from './deploy.js';
import { procType, type LocalDeps } from './processes.js';

const upstreamOf = (c: ContainerView) => `${c.ip}:${c.env.PORT}`;

/** `old`: the containers the deploy replaced; `servedTag`: the release the route served before the switch. */
export async function keepLocalStandby(deps: LocalDeps, app: string, old: readonly ContainerView[], servedTag: string | undefined): Promise<RetireStandby> {
  // Only processes that serve now: a crash-looping one, or a leftover of an older release, is no standby.
  const web = old.filter((c) => procType(c) === 'web' && c.labels[LABEL.release] === servedTag && c.state === 'running' && c.ip && c.env.PORT);
  await retireContainers(deps, old.filter((c) => !web.includes(c)));
  const upstreams = web.map(upstreamOf);
  // setStandby refuses an app whose route is gone (destroyed meanwhile).
  if (web.length === 0 || !(await setStandby(deps.redis, app, upstreams))) {
    await retireContainers(deps, web);
    return async () => {};
  }
  let retired: Promise<void> | undefined;
  return () => (retired ??= (async () => {
    await clearStandby(deps.redis, app, upstreams);
    // Drained and stopped even if a newer deploy took them out of the route first (it retires them too: stopping twice is harmless).
    await retireContainers(deps, web);
  })());
}
