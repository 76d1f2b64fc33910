// Setting and unsetting an app's config vars in ONE new release, deployed
// with zero downtime (as config:set does); if the deploy fails, the previous
// vars come back and the old release keeps serving. Before the app's first
// deploy the vars are only stored, for the first release to carry.
import type { AppRecord } from '../../shared/types.js';
import { getConfigVars, replaceConfigVars, setConfigVars, unsetConfigVars } from '../../store/apps.js';
import { requireCurrentRelease } from '../app-lookup.js';
import { checkConfigSize } from '../config/vars.js';
import type { OpsDeps } from '../deps.js';
import { redeploy } from '../releases/redeploy.js';

export interface VarsChange { readonly set: Record<string, string>; readonly unset: readonly string[]; readonly description: string }

export async function applyVars(app: AppRecord, change: VarsChange, deps: OpsDeps): Promise<{ release?: number; log: string[] }> {
  const previous = await getConfigVars(deps.redis, app.name);
  const next = { ...previous, ...change.set };
  for (const k of change.unset) delete next[k];
  checkConfigSize(next);
  await setConfigVars(deps.redis, app.name, change.set);
  await unsetConfigVars(deps.redis, app.name, [...change.unset]);
  if (!app.currentRelease) return { log: [] };
  const base = await requireCurrentRelease(app, deps);
  try {
    const { release, log } = await redeploy(app, base, { config: await getConfigVars(deps.redis, app.name), description: change.description }, deps);
    return { release: release.version, log };
  } catch (err) {
    await replaceConfigVars(deps.redis, app.name, previous);
    throw err;
  }
}
