// rollback — a new release from vN's image and config (default: the release
// before the current one), as Heroku does; history is never rewritten.
import { BerthError, fail } from '../../shared/errors.js';
import { getRelease, listReleases, replaceConfigVars } from '../../store/apps.js';
import { inspectImage } from '../../docker/containers.js';
import { requireApp, requireCurrentRelease } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';
import { redeploy } from './redeploy.js';

function parseVersion(raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(String(raw).replace(/^v/, ''));
  if (!Number.isInteger(n) || n < 1) throw fail('invalid_version', `invalid release ${JSON.stringify(raw)}: use v3 or 3`);
  return n;
}

export async function releasesRollback(input: { app: unknown; version?: unknown }, deps: OpsDeps) {
  const app = await requireApp(input.app, deps);
  const current = await requireCurrentRelease(app, deps);
  let version = parseVersion(input.version);
  if (version === undefined) {
    const previous = (await listReleases(deps.redis, app.name)).find((r) => r.version < current.version && r.status === 'live');
    if (!previous) throw new BerthError('no_previous_release', `${app.name} has no earlier release to roll back to`);
    version = previous.version;
  }
  const target = await getRelease(deps.redis, app.name, version);
  if (!target) throw fail('release_not_found', `${app.name} has no release v${version}`, 'see `berth releases`');
  if (!(await inspectImage(deps.docker, target.image))) {
    throw new BerthError('release_image_pruned', `the image of v${version} was pruned (only the last ${deps.config.runtime.imageRetention} are kept)`,
      { hint: 'roll back to a more recent release, or redeploy that commit with git push' });
  }
  const { version: _v, image: _i, createdAt: _c, status: _s, ...draft } = target;
  const result = await redeploy(app, target, { ...draft, description: `Rollback to v${version}` }, deps);
  // The rolled-back config is the app's config from now on.
  await replaceConfigVars(deps.redis, app.name, target.config);
  return result;
}
