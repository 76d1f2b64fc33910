// releases — newest first, with what changed and which one serves.
import { listReleases } from '../../store/apps.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

export async function releasesList(input: { app: unknown }, deps: OpsDeps) {
  const app = await requireApp(input.app, deps);
  const all = await listReleases(deps.redis, app.name);
  return all.map((r) => ({
    version: r.version, description: r.description, createdAt: r.createdAt, status: r.status,
    image: r.image, rev: r.rev, current: r.version === app.currentRelease,
  }));
}
