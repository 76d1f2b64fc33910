// Routes under Swarm come from the Docker API, not from a mesh: each running
// web task is reached at its node's address and the port it published there
// (host mode). During a rolling update the web service has tasks of both
// releases, and every one that runs takes traffic: Swarm stops an old task
// only once its replacement is healthy (start-first).
import type { AppName } from '../../shared/app-name.js';
import { setRoute } from '../../store/routes.js';
import { appServices, nodeAddresses, serviceTasks, type SwarmDeps, type TaskView } from './services.js';

/** A task that may take traffic: running, meant to keep running, and published. */
export const serves = (t: TaskView) => t.state === 'running' && t.desired === 'running' && !!t.publishedPort;

export interface SwarmRoute {
  readonly upstreams: string[];
  /** The release the web service runs (its label), '' without one. */
  readonly release: string;
}

export async function swarmRoute(deps: SwarmDeps, app: AppName | string): Promise<SwarmRoute> {
  const web = (await appServices(deps, app)).find((s) => s.type === 'web');
  if (!web) return { upstreams: [], release: '' };
  const [tasks, nodes] = await Promise.all([serviceTasks(deps, [web.id]), nodeAddresses(deps)]);
  const upstreams: string[] = [];
  for (const t of tasks) {
    const addr = nodes.get(t.nodeId);
    if (serves(t) && addr) upstreams.push(`${addr}:${t.publishedPort}`);
  }
  return { upstreams: upstreams.sort(), release: web.release };
}

export async function refreshSwarmRoutes(deps: SwarmDeps, app: AppName | string): Promise<string[]> {
  const route = await swarmRoute(deps, app);
  await setRoute(deps.redis, { app, ...route });
  return route.upstreams;
}
