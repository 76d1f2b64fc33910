// `berth server`: wires every stage into one process.
//   config -> Redis (embedded or REDIS_URL) -> Docker -> git hook + repos
//   -> build worker (+ lost-build sweep) -> reconcile routes -> router
//   -> API + git receiver on one port.
// Roles let a process run only part of it (e.g. `--role router`).
import http from 'node:http';
import { mkdir } from 'node:fs/promises';
import { createApi } from '../api/app.js';
import { builderRegistry } from '../builders/registry.js';
import { loadConfig, type BerthConfig } from '../config/index.js';
import { createDocker, pingDocker } from '../docker/client.js';
import { capBuildkitMemory } from '../docker/build-memory-cap.js';
import { installHook, } from '../git/hooks.js';
import { refreshRepos } from '../git/repos.js';
import { gitHandler } from '../git/receiver.js';
import { activeBuilds, processBuild } from '../pipeline/run-build.js';
import { failBuildNow, sweepLostBuilds } from '../pipeline/sweep.js';
import { createBuildQueue, startBuildWorker } from '../queue/build-queue.js';
import { startRouter } from '../router/index.js';
import { dockerLocalScheduler } from '../runtime/docker-local/index.js';
import { getApp, getFormation, getRelease, isStopped, listApps } from '../store/apps.js';
import type { AppName } from '../shared/app-name.js';
import type { Release } from '../shared/types.js';
import { connectRedis, type RedisHandle } from '../store/redis.js';
import { effectiveFormation, type Scheduler } from '../runtime/scheduler.js';
import { startSupervisor } from '../runtime/docker-local/supervisor.js';
import { adminTokenPath, resolveAdminToken } from './admin-token.js';

export type Role = 'api' | 'router' | 'worker';
export const ALL_ROLES: readonly Role[] = ['api', 'router', 'worker'];

export interface RunningServer { close(): Promise<void> }

async function currentRelease(redis: RedisHandle, app: AppName): Promise<Release | undefined> {
  const rec = await getApp(redis, app);
  return rec?.currentRelease ? getRelease(redis, app, rec.currentRelease) : undefined;
}

async function reconcileAll(redis: RedisHandle, scheduler: Scheduler): Promise<void> {
  for (const app of await listApps(redis)) {
    const current = await currentRelease(redis, app);
    if (!current || (await isStopped(redis, app))) continue;
    const formation = effectiveFormation(current, await getFormation(redis, app));
    await scheduler.reconcile(app, current, formation).catch((err) => console.error(`reconcile ${app}: ${err.message}`));
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
}

export async function startServer(roles: readonly Role[], config: BerthConfig = loadConfig()): Promise<RunningServer> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const redis = await connectRedis(config);
  const docker = createDocker(config);
  if (roles.some((r) => r !== 'router') && !(await pingDocker(docker))) {
    console.error(' !     Docker is not answering; builds and deploys will fail until it does (start dockerd).');
  }
  const closers: (() => Promise<void>)[] = [];
  const queue = createBuildQueue(redis);
  closers.push(() => queue.close());
  const scheduler = dockerLocalScheduler({ docker, redis, config });

  if (roles.includes('worker')) {
    const local = !config.dockerHost || config.dockerHost.startsWith('unix://');
    const cap = await capBuildkitMemory(config.build.memoryBytes * config.build.concurrency, local);
    if (!cap.applied) console.error(` !     build memory is not capped: ${cap.why}`);
    const deps = { config, redis, docker, builders: builderRegistry(docker, config), scheduler };
    const worker = startBuildWorker(redis, config.build.concurrency, (data, control) => processBuild(data, control, deps));
    await sweepLostBuilds(redis, config.build.logMaxLines);
    const sweeper = setInterval(() => void sweepLostBuilds(redis, config.build.logMaxLines).catch(() => {}), 5_000);
    closers.unshift(async () => {
      clearInterval(sweeper);
      // Fail our in-flight builds now, with a reason, instead of leaving them running.
      await Promise.all([...activeBuilds].map((id) =>
        failBuildNow(redis, id, 'the Berth server shut down during this build', config.build.logMaxLines)));
      await worker.close();
    });
    await reconcileAll(redis, scheduler);
    const supervisor = await startSupervisor({ docker, redis, config }, {
      currentRelease: (app) => currentRelease(redis, app),
      knows: async (app) => (await getApp(redis, app)) !== undefined,
    }, config.runtime.appLogLines);
    closers.unshift(async () => supervisor.close());
  }

  if (roles.includes('router')) {
    const router = await startRouter({ redis, domain: config.domain, port: config.routerPort, host: config.bindHost, upstreamTimeoutMs: config.router.upstreamTimeoutMs });
    closers.unshift(() => router.close());
    console.log(`berth: router on ${config.bindHost}:${router.port}, apps at http://<app>.${config.domain}`);
  }

  if (roles.includes('api')) {
    const adminToken = await resolveAdminToken(config);
    const { secret: hookSecret } = await installHook(config);
    await refreshRepos(config);
    const deps = { config, redis, queue, docker, scheduler, hookSecret, adminToken };
    const api = createApi(deps).callback();
    const git = gitHandler(deps);
    const server = http.createServer((req, res) => { if (!git(req, res)) void api(req, res); });
    // A push stays open for the whole build: no request timeout.
    server.requestTimeout = 0;
    await listen(server, config.apiPort, config.bindHost);
    closers.unshift(() => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));
    const where = config.adminToken ? 'BERTH_ADMIN_TOKEN' : adminTokenPath(config);
    console.log(`berth: API and git on ${config.bindHost}:${config.apiPort} (admin token: ${where})`);
  }

  return {
    async close() {
      for (const c of closers) await c().catch((err) => console.error(`shutdown: ${err.message}`));
      await redis.close();
    },
  };
}
