// The swarm scheduler (BERTH_SCHEDULER=swarm): each process type of a release
// is a Swarm service, rolled start-first with automatic rollback; routes come
// from the tasks' nodes and host-mode ports (routes.ts). One-offs (`run`,
// release and predeploy commands) run on the manager's engine as with the
// local scheduler: they need no placement, and predeploy's commit must land
// in the image this manager pushes.
import { deleteRepository } from '../../docker/registry-api.js';
import { deleteRoute, getRoute, setRoute } from '../../store/routes.js';
import { dockerLocalScheduler } from '../docker-local/index.js';
import type { Scheduler } from '../scheduler.js';
import { deploySwarm } from './deploy.js';
import { retireLocalContainers } from './local-leftovers.js';
import { psSwarm } from './ps.js';
import { refreshSwarmRoutes } from './routes.js';
import { scaleSwarm } from './scale.js';
import { swarmServiceRuntime } from './service-runtime.js';
import { appServices, removeOverlay, type SwarmDeps } from './services.js';
import { removeStandby } from './standby.js';

export type { SwarmDeps } from './services.js';
export { startSwarmSupervisor } from './supervisor.js';

const silentLog = { step() {}, detail() {}, error() {}, raw() {} };

async function removeServices(deps: SwarmDeps, app: string): Promise<void> {
  await Promise.all((await appServices(deps, app)).map((s) => deps.docker.getService(s.id).remove().catch(() => {})));
  await removeStandby(deps, app);
}

export function swarmScheduler(deps: SwarmDeps): Scheduler {
  const local = dockerLocalScheduler(deps);
  return {
    deploy: (release, formation, log, opts) => deploySwarm(deps, release, formation, log, opts),
    scale: (release, formation, log, resources) => scaleSwarm(deps, release, formation, log, resources),
    ps: (app) => psSwarm(deps, app),
    services: swarmServiceRuntime(deps),
    // Swarm spreads a service's replicas over nodes; a type with storage is pinned (service-spec.ts), so its replicas cannot.
    storageReplicas: {
      maxReplicas: deps.config.swarm.storageReplicas,
      reason: 'on Swarm it is pinned to the node that holds its volumes, so its replicas cannot spread over nodes',
      setting: 'BERTH_SWARM_STORAGE_REPLICAS',
    },
    run: (release, opts) => local.run(release, opts),
    runAndCommit: (release, opts) => local.runAndCommit(release, opts),

    async reconcile(app, current, formation) {
      if (!current) return;
      // A standby outlives no watch, and watches end with the process that ran them.
      await removeStandby(deps, app);
      const services = await appServices(deps, app);
      if (services.length > 0 || Object.values(formation).every((n) => n === 0)) {
        await refreshSwarmRoutes(deps, app);
      } else {
        // The services are gone (removed by hand, a new swarm, or a host that ran the local scheduler): make them again.
        // If that fails, what served before (the local scheduler's containers) keeps its route.
        const before = await getRoute(deps.redis, app);
        try {
          const outcome = await deploySwarm(deps, current, formation, silentLog);
          await outcome.retire();
        } catch (err) {
          if (before?.upstreams.length) await setRoute(deps.redis, before);
          throw err;
        }
      }
      const retired = await retireLocalContainers(deps, app);
      if (retired > 0) console.log(`berth: ${app}: its Swarm services serve; stopped ${retired} container(s) the local scheduler had run`);
    },

    async stop(app) {
      const web = (await appServices(deps, app)).find((s) => s.type === 'web');
      await setRoute(deps.redis, { app, upstreams: [], release: web?.release ?? '' });
      await removeServices(deps, app);
    },

    async destroy(app, opts) {
      await removeServices(deps, app);
      await deleteRoute(deps.redis, app);
      // One-offs, images and volumes on this engine, as the local scheduler leaves them.
      const result = await local.destroy(app, opts);
      await removeOverlay(deps, app);
      if (deps.config.registry) {
        await deleteRepository(deps.config.registry, `berth/app-${app}`)
          .catch((err) => console.error(`destroy ${app}: registry: ${(err as Error).message}`));
      }
      return result;
    },
  };
}
