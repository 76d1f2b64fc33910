// After a deploy: Swarm has already stopped the old tasks (that is the
// rolling update); what is left is services of process types the release no
// longer has, a standby of an earlier watch (standby.ts), and registry tags
// past image retention.
import { pruneRegistry } from '../../docker/registry-api.js';
import type { Release } from '../../shared/types.js';
import type { DeployOptions } from '../scheduler.js';
import { appServices, type SwarmDeps } from './services.js';
import { removeStandby } from './standby.js';

export async function retireSwarm(deps: SwarmDeps, release: Release, opts: DeployOptions = {}): Promise<void> {
  if (!opts.types || opts.types.includes('web')) await removeStandby(deps, release.app);
  if (!opts.types) {
    for (const s of await appServices(deps, release.app)) {
      if (!(s.type in release.processTypes)) await deps.docker.getService(s.id).remove().catch(() => {});
    }
  }
  const registry = deps.config.registry;
  if (registry) {
    const repo = release.image.replace(/:[^:/]+$/, '');
    await pruneRegistry(registry, repo, deps.config.runtime.imageRetention, release.version)
      .catch((err) => console.error(`${release.app}: pruning the registry: ${(err as Error).message}`));
  }
}
