// The image every node pulls: pushed to the private registry when one is set
// (BERTH_REGISTRY). A release built by a worker on another host is already
// there (it pushed it); without a registry only a one-node swarm can run it.
import { pushImage, registryAuth, registryRef, type RegistryAuth } from '../../docker/registry-push.js';
import { inspectImage } from '../../docker/containers.js';
import type { BuildLog } from '../../shared/build-log.js';
import type { Release } from '../../shared/types.js';
import type { SwarmDeps } from './services.js';

export interface Shipped {
  readonly image: string;
  readonly auth: RegistryAuth | undefined;
}

export async function shipImage(deps: SwarmDeps, release: Release, log: BuildLog): Promise<Shipped> {
  const registry = deps.config.registry;
  if (!registry) {
    log.detail('no BERTH_REGISTRY: only this node has the image');
    return { image: release.image, auth: undefined };
  }
  const auth = registryAuth(registry);
  if (!(await inspectImage(deps.docker, release.image))) return { image: registryRef(registry, release.image), auth };
  const image = await pushImage(deps.docker, registry, release.image);
  log.detail(`pushed ${image}`);
  return { image, auth };
}
