// What the api and worker roles share: Docker, the build queue and the
// scheduler. A router-only process never loads this (nor dockerode).
import type { BerthConfig } from '../config/index.js';
import { createDocker, pingDocker, type Docker } from '../docker/client.js';
import { createBuildQueue, type BuildQueue } from '../queue/build-queue.js';
import { dockerLocalScheduler } from '../runtime/docker-local/index.js';
import { startSupervisor, type Supervisor, type SupervisorHooks } from '../runtime/docker-local/supervisor.js';
import { startSwarmSupervisor, swarmScheduler } from '../runtime/swarm/index.js';
import type { Scheduler } from '../runtime/scheduler.js';
import { getApp, getRelease } from '../store/apps.js';
import type { RedisHandle } from '../store/redis.js';
import type { AppName } from '../shared/app-name.js';
import type { Release } from '../shared/types.js';

export interface Platform {
  readonly config: BerthConfig;
  readonly redis: RedisHandle;
  readonly docker: Docker;
  readonly queue: BuildQueue;
  readonly scheduler: Scheduler;
  /** Follows what runs (routes, app logs) for the chosen scheduler. */
  supervise(hooks: SupervisorHooks): Promise<Supervisor>;
}

export async function createPlatform(config: BerthConfig, redis: RedisHandle): Promise<Platform> {
  const docker = createDocker(config);
  if (!(await pingDocker(docker))) {
    console.error(' !     Docker is not answering; builds and deploys will fail until it does (start dockerd).');
  }
  const deps = { docker, redis, config };
  const swarm = config.scheduler === 'swarm';
  return {
    config, redis, docker, queue: createBuildQueue(redis),
    scheduler: swarm ? swarmScheduler(deps) : dockerLocalScheduler(deps),
    supervise: (hooks) => (swarm ? startSwarmSupervisor : startSupervisor)(deps, hooks, config.runtime.appLogLines),
  };
}

export async function currentRelease(redis: RedisHandle, app: AppName): Promise<Release | undefined> {
  const rec = await getApp(redis, app);
  return rec?.currentRelease ? getRelease(redis, app, rec.currentRelease) : undefined;
}
