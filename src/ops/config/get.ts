// config and config:get — the app's config vars.
import { fail } from '../../shared/errors.js';
import { getConfigVars } from '../../store/apps.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

export async function configList(input: { app: unknown }, deps: OpsDeps): Promise<Record<string, string>> {
  const app = await requireApp(input.app, deps);
  return getConfigVars(deps.redis, app.name);
}

export async function configGet(input: { app: unknown; key: unknown }, deps: OpsDeps): Promise<{ key: string; value: string }> {
  const vars = await configList(input, deps);
  const key = String(input.key);
  if (!Object.hasOwn(vars, key)) throw fail('config_var_not_found', `config var ${key} is not set`, 'see `berth config <app>`');
  return { key, value: vars[key]! };
}
