// config:set and config:unset — each change is a new release, deployed with
// zero downtime unless restart is false (then it waits for the next restart).
import { fail } from '../../shared/errors.js';
import { getConfigVars, replaceConfigVars, setConfigVars, unsetConfigVars } from '../../store/apps.js';
import { requireApp, requireCurrentRelease } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';
import { redeploy } from '../releases/redeploy.js';
import { checkConfigSize, validateKey, validateVars } from './vars.js';
import type { AppRecord } from '../../shared/types.js';
import { checkWatchVars } from '../../pipeline/crash-count.js';

/** Deploys the changed config; if that fails, the previous vars come back. */
async function applyConfig(app: AppRecord, previous: Record<string, string>, description: string, restart: boolean, deps: OpsDeps) {
  const config = await getConfigVars(deps.redis, app.name);
  if (!app.currentRelease) return { config, release: undefined, log: [] as string[] };
  const base = await requireCurrentRelease(app, deps);
  try {
    const { release, log } = await redeploy(app, base, { config, description }, deps, restart);
    return { config, release, log };
  } catch (err) {
    await replaceConfigVars(deps.redis, app.name, previous);
    throw err;
  }
}

export async function configSet(input: { app: unknown; vars: unknown; restart?: unknown }, deps: OpsDeps) {
  const app = await requireApp(input.app, deps);
  const vars = validateVars(input.vars);
  checkWatchVars(vars);
  const previous = await getConfigVars(deps.redis, app.name);
  checkConfigSize({ ...previous, ...vars });
  await setConfigVars(deps.redis, app.name, vars);
  return applyConfig(app, previous, `Set ${Object.keys(vars).join(', ')}`, input.restart !== false, deps);
}

export async function configUnset(input: { app: unknown; keys: unknown; restart?: unknown }, deps: OpsDeps) {
  const app = await requireApp(input.app, deps);
  if (!Array.isArray(input.keys) || input.keys.length === 0) throw fail('invalid_config', 'name at least one config var to unset');
  const keys = [...new Set(input.keys.map(validateKey))];
  const previous = await getConfigVars(deps.redis, app.name);
  await unsetConfigVars(deps.redis, app.name, keys);
  return applyConfig(app, previous, `Unset ${keys.join(', ')}`, input.restart !== false, deps);
}
