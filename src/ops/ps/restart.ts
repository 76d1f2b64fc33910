// ps:restart, ps:stop, ps:start. A restart replaces processes the way a
// deploy does (new ones checked first), so web traffic never drops.
import { fail } from '../../shared/errors.js';
import { getFormation, getResources, setStopped } from '../../store/apps.js';
import { effectiveFormation } from '../../runtime/scheduler.js';
import { waitForAppLease } from '../../pipeline/app-lease.js';
import { requireApp, requireCurrentRelease } from '../app-lookup.js';
import { collectingLog } from '../collecting-log.js';
import type { OpsDeps } from '../deps.js';
import { psList } from './scale.js';
import { getDeployStrategy } from '../../store/storage.js';

export async function psRestart(input: { app: unknown; type?: unknown }, deps: OpsDeps) {
  const app = await requireApp(input.app, deps);
  const release = await requireCurrentRelease(app, deps);
  const type = input.type === undefined || input.type === null || input.type === '' ? undefined : String(input.type);
  if (type && !Object.hasOwn(release.processTypes, type)) throw fail('unknown_process_type', `there is no process type "${type}"`);
  const lease = await waitForAppLease(deps.redis, app.name, 60_000);
  const log = collectingLog();
  try {
    const formation = effectiveFormation(release, await getFormation(deps.redis, app.name));
    const outcome = await deps.scheduler.deploy(release, formation, log, {
      types: type ? [type] : undefined, resources: await getResources(deps.redis, app.name),
      stopFirst: (await getDeployStrategy(deps.redis, app.name)) === 'stop-first',
    });
    await outcome.retire();
    await setStopped(deps.redis, app.name, false);
  } finally {
    await lease.release();
  }
  return { ...(await psList(input, deps)), log: log.lines };
}

export async function psStop(input: { app: unknown }, deps: OpsDeps) {
  const app = await requireApp(input.app, deps);
  const lease = await waitForAppLease(deps.redis, app.name, 60_000);
  try {
    await setStopped(deps.redis, app.name, true);
    await deps.scheduler.stop(app.name);
  } finally {
    await lease.release();
  }
  return psList(input, deps);
}

/** ps:start — brings a stopped app's processes back, as a restart does. */
export async function psStart(input: { app: unknown }, deps: OpsDeps) {
  return psRestart({ app: input.app }, deps);
}
