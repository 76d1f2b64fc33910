// builds:cache-clear — empties the app's build cache (the volume where
// buildpacks keep runtimes and dependencies), so the next build starts cold.
// Waits for a running build of the app: it holds the cache until it ends.
import { removeCacheVolume } from '../../docker/volumes.js';
import { waitForAppLease } from '../../pipeline/app-lease.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

export async function buildsCacheClear(input: { app: unknown }, deps: OpsDeps): Promise<{ app: string; cleared: boolean }> {
  const app = await requireApp(input.app, deps);
  const lease = await waitForAppLease(deps.redis, app.name, 10_000);
  try {
    return { app: app.name, cleared: await removeCacheVolume(deps.docker, app.name) };
  } finally {
    await lease.release();
  }
}
