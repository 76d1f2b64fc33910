// ps:scale under Swarm: only the replica count changes (no rolling update);
// new web tasks pass their health check before Swarm reports them running,
// and the route follows what runs.
import type { BuildLog } from '../../shared/build-log.js';
import { releaseTag, type Release } from '../../shared/types.js';
import type { Formation, Resources } from '../scheduler.js';
import { waitForReplicas } from './converge.js';
import { deploySwarm } from './deploy.js';
import { refreshSwarmRoutes } from './routes.js';
import { appServices, inspectService, type SwarmDeps } from './services.js';

export async function scaleSwarm(deps: SwarmDeps, release: Release, formation: Formation, log: BuildLog, resources?: Resources): Promise<void> {
  const tag = releaseTag(release.version);
  const services = await appServices(deps, release.app);
  // A type with no service yet (scaled up from 0, or limits changed): a deploy of that type makes it.
  const missing = Object.entries(formation).filter(([t, n]) => n > 0 && !services.some((s) => s.type === t) && t in release.processTypes);
  if (missing.length || resources) {
    const types = resources ? Object.keys(formation) : missing.map(([t]) => t);
    // A rebuilt spec keeps the app's update order (its deploy strategy, set by the last deploy).
    const stopFirst = services.some((s) => s.spec.UpdateConfig?.Order === 'stop-first');
    const outcome = await deploySwarm(deps, release, formation, log, { types, resources, stopFirst });
    await outcome.retire();
  }
  const waits: Promise<void>[] = [];
  for (const s of services) {
    const want = formation[s.type];
    if (want === undefined || want === s.replicas || (resources && s.type in formation)) continue;
    const info = await inspectService(deps, s.id);
    if (!info) continue;
    await deps.docker.getService(s.id).update({ ...info.spec, Mode: { Replicated: { Replicas: want } }, version: info.version } as never);
    log.detail(`${s.type}: ${s.replicas} -> ${want}`);
    // Storage pins a type to one node (service-spec.ts); past one replica only with BERTH_SWARM_STORAGE_REPLICAS raised (ops
    // refuses otherwise): say so rather than let a user expect a spread.
    if (want > 1 && (info.spec.TaskTemplate?.Placement?.Constraints as string[] | undefined)?.some((c) => c.startsWith('node.id=='))) {
      log.detail(`${s.type} has storage mounts, so all ${want} replicas run on the node that holds its volumes, not across nodes`);
    }
    waits.push(waitForReplicas(deps, s.id, s.type, tag, want));
  }
  await Promise.all(waits);
  await refreshSwarmRoutes(deps, release.app);
}
