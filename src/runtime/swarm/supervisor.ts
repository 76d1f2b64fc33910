// Supervision under Swarm: Swarm restarts and moves tasks itself; Berth
// follows. Every second it reads each app's web tasks and nodes and, when
// the set of upstreams changed (a task moved, a node was drained or went
// down, a replica crashed), writes the route, so routers on every node send
// traffic where tasks run within about a second. Task events are not sent
// across nodes, so polling the manager is the one reliable source.
import type { AppName } from '../../shared/app-name.js';
import { updateRoute } from '../../store/routes.js';
import type { Supervisor, SupervisorHooks } from '../docker-local/supervisor.js';
import { logFollower } from './log-follower.js';
import { swarmRoute } from './routes.js';
import { allAppServices, serviceTasks, type SwarmDeps } from './services.js';
import { LABEL } from '../../docker/labels.js';

const POLL_MS = 1000;

export async function startSwarmSupervisor(deps: SwarmDeps, hooks: SupervisorHooks, logMaxLines: number): Promise<Supervisor> {
  const logs = logFollower(deps, logMaxLines);
  const written = new Map<string, string>();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const tick = async () => {
    const services = await allAppServices(deps);
    const apps = new Set(services.map((s) => s.spec.Labels?.[LABEL.app] as string).filter(Boolean));
    logs.learnSlots(await serviceTasks(deps, services.map((s) => s.id)));
    for (const app of new Set([...apps, ...written.keys()])) {
      if (!(await hooks.knows(app as AppName))) { written.delete(app); continue; }
      for (const s of services.filter((x) => x.spec.Labels?.[LABEL.app] === app)) logs.follow(app, s);
      const route = await swarmRoute(deps, app);
      const key = JSON.stringify(route);
      if (written.get(app) === key) continue;
      // Only a route a deploy or stop made is followed (updateRoute), and an app with no web
      // service has nothing to follow: apps:destroy and ps:stop set or remove its route themselves.
      if (route.release && await updateRoute(deps.redis, { app, ...route })) written.set(app, key); else written.delete(app);
    }
  };
  const loop = () => {
    if (closed) return;
    timer = setTimeout(() => void tick().catch((err) => console.error(`swarm supervisor: ${(err as Error).message}`)).finally(loop), POLL_MS);
  };
  await tick().catch((err) => console.error(`swarm supervisor: ${(err as Error).message}`));
  loop();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      logs.close();
    },
  };
}
