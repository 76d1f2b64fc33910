// Routes under Swarm come from the Docker API, not from a mesh: each running
// web task is reached at its node's address and the port it published there
// (host mode). During a rolling update the web service has tasks of both
// releases, and every one that runs takes traffic: Swarm stops an old task
// only once its replacement is healthy (start-first). A watched release's
// standby service (standby.ts) is listed as the route's standby.
import type { AppName } from '../../shared/app-name.js';
import { setRoute } from '../../store/routes.js';
import { appServices, nodeAddresses, serviceTasks, standbyServices, type SwarmDeps, type TaskView } from './services.js';

/** A task that may take traffic: running, meant to keep running, and published. */
export const serves = (t: TaskView) => t.state === 'running' && t.desired === 'running' && !!t.publishedPort;

export interface SwarmRoute {
  readonly upstreams: string[];
  /** The release the web service runs (its label), '' without one. */
  readonly release: string;
  /** The standby service's tasks that serve; [] without one (which clears the route's). */
  readonly standby: string[];
}

export async function swarmRoute(deps: SwarmDeps, app: AppName | string): Promise<SwarmRoute> {
  const [services, standbys] = await Promise.all([appServices(deps, app), standbyServices(deps, app)]);
  const web = services.find((s) => s.type === 'web');
  if (!web) return { upstreams: [], release: '', standby: [] };
  const [tasks, nodes] = await Promise.all([serviceTasks(deps, [web.id, ...standbys.map((s) => s.id)]), nodeAddresses(deps)]);
  const upstreams: string[] = [];
  const standby: string[] = [];
  for (const t of tasks) {
    const addr = nodes.get(t.nodeId);
    if (serves(t) && addr) (t.serviceId === web.id ? upstreams : standby).push(`${addr}:${t.publishedPort}`);
  }
  return { upstreams: upstreams.sort(), release: web.release, standby: standby.sort() };
}

export async function refreshSwarmRoutes(deps: SwarmDeps, app: AppName | string): Promise<string[]> {
  const route = await swarmRoute(deps, app);
  await setRoute(deps.redis, { app, ...route });
  return route.upstreams;
}
