// Supervision under Swarm: Swarm restarts and moves tasks itself; Berth
// follows. Every second it reads each app's web tasks and nodes and, when
// the set of upstreams changed (a task moved, a node was drained or went
// down, a replica crashed), writes the route, so routers on every node send
// traffic where tasks run within about a second. Task events are not sent
// across nodes, so polling the manager is the one reliable source.
import type { AppName } from '../../shared/app-name.js';
import { setRoute } from '../../store/routes.js';
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
    const tasks = await serviceTasks(deps, services.map((s) => s.id));
    const slots = new Map(tasks.map((t) => [t.id, t.slot]));
    for (const app of new Set([...apps, ...written.keys()])) {
      if (!(await hooks.knows(app as AppName))) { written.delete(app); continue; }
      for (const s of services.filter((x) => x.spec.Labels?.[LABEL.app] === app)) logs.follow(app, s, (id) => slots.get(id));
      const route = await swarmRoute(deps, app);
      const key = JSON.stringify(route);
      if (written.get(app) === key) continue;
      await setRoute(deps.redis, { app, ...route });
      if (apps.has(app)) written.set(app, key); else written.delete(app);
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
