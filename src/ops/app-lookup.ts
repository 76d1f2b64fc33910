// Shared first step of every app operation: a valid name of an existing app.
import { parseAppName, type AppName } from '../shared/app-name.js';
import { BerthError, fail } from '../shared/errors.js';
import type { AppRecord, Release } from '../shared/types.js';
import { getApp, getRelease } from '../store/apps.js';
import type { OpsDeps } from './deps.js';

/** The one way every surface (API, CLI, git over HTTP and SSH) says an app is missing. */
export const appNotFound = (name: AppName) => fail('app_not_found', `app "${name}" does not exist`);

export async function requireApp(raw: unknown, deps: OpsDeps): Promise<AppRecord> {
  const name: AppName = parseAppName(raw);
  const app = await getApp(deps.redis, name);
  if (!app) throw appNotFound(name);
  return app;
}

/** The release now serving; a 409 before the first deploy. */
export async function requireCurrentRelease(app: AppRecord, deps: OpsDeps): Promise<Release> {
  const rel = app.currentRelease ? await getRelease(deps.redis, app.name, app.currentRelease) : undefined;
  if (!rel) throw new BerthError('not_deployed', `app "${app.name}" has no release yet`, { hint: 'deploy it with git push first' });
  return rel;
}

