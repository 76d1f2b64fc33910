// `berth server`: wires the stages into one process.
//   config -> Redis (embedded or REDIS_URL)
//   -> runtime (with the api role): lost-build sweep, reconcile, supervisor, deploys handed over by workers
//   -> worker: build queue consumer (off with BERTH_BUILDS=off); alone, build-only
//   -> router: Host header -> app containers (optionally a cluster)
//   -> api: REST API + git receiver on one port
// Each role is imported only when asked for, so `--role router` loads
// neither dockerode nor koa. With other roles, the router is not run in
// this process but as a `--role router` process of its own
// (router-process.ts), so a crash here never stops app traffic.
import { mkdir } from 'node:fs/promises';
import { loadConfig, type BerthConfig } from '../config/index.js';
import { connectRedis, type RedisHandle } from '../store/redis.js';
import { BerthError } from '../shared/errors.js';
import type { Platform } from './platform.js';

export type Role = 'api' | 'router' | 'worker';
export const ALL_ROLES: readonly Role[] = ['api', 'router', 'worker'];

export interface RunningServer { close(): Promise<void> }

/** BERTH_BUILDS=off keeps builds off the app node; a worker-only process exists to build. */
function buildsHere(roles: readonly Role[], config: BerthConfig): boolean {
  if (config.build.runHere) return true;
  if (!roles.includes('api')) {
    throw new BerthError('worker_without_builds', 'berth server --role worker with BERTH_BUILDS=off would do nothing',
      { hint: 'unset BERTH_BUILDS on build workers; it is for the app node (BERTH_BUILDS=off there sends builds to the workers)' });
  }
  console.log('berth: BERTH_BUILDS=off: this server takes no builds; build workers (berth server --role worker) run them');
  return false;
}

export async function startServer(roles: readonly Role[], config: BerthConfig = loadConfig()): Promise<RunningServer> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  // A router beside a server leaves the embedded redis-server to the server:
  // if both restarted it, two would share one socket path and one AOF.
  const redis = await connectRedis(config, { superviseEmbedded: !(roles.length === 1 && roles[0] === 'router') });
  const closers: Closer[] = [];
  const close = async (failedStart = false) => {
    for (const c of closers) await c(failedStart).catch((err) => console.error(`shutdown: ${err.message}`));
    await redis.close();
  };
  try {
    await startRoles(roles, config, redis, closers);
  } catch (err) {
    // A start that fails halfway (the API port is taken) must not leave a
    // router it started serving on its own.
    await close(true);
    throw err;
  }
  return { close: () => close() };
}

/** Stops one role; `failedStart`: the server is giving up a start that failed halfway. */
type Closer = (failedStart: boolean) => Promise<void>;

async function startRoles(roles: readonly Role[], config: BerthConfig, redis: RedisHandle, closers: Closer[]): Promise<void> {
  let platform: Platform | undefined;
  if (roles.includes('worker') || roles.includes('api')) {
    const { createPlatform } = await import('./platform.js');
    platform = await createPlatform(config, redis);
    const queue = platform.queue;
    closers.push(() => queue.close());
  }
  // The node with the API runs the apps; a worker without it only builds (deploy/workers.md).
  if (platform && roles.includes('api')) {
    const { startRuntimeRole } = await import('./role-runtime.js');
    closers.unshift(await startRuntimeRole(platform));
  }
  if (platform && roles.includes('worker') && buildsHere(roles, config)) {
    const { startWorkerRole } = await import('./role-worker.js');
    closers.unshift(await startWorkerRole(platform, roles.includes('api')));
  }
  if (roles.includes('router') && roles.length > 1) {
    const { startRouterProcess } = await import('./router-process.js');
    // Stopped before Redis closes (closers run first to last): the embedded
    // redis-server must outlive the router's last drain report.
    const router = await startRouterProcess(config);
    // A router taken over from before keeps serving through a failed start
    // (systemd restarts the server); one started here goes with it.
    closers.unshift((failedStart) => failedStart && router.adopted ? router.detach() : router.close());
  } else if (roles.includes('router')) {
    closers.unshift(await runRouterHere(config, redis));
  }
  if (platform && roles.includes('api')) {
    const { startApiRole } = await import('./role-api.js');
    closers.unshift(await startApiRole(platform));
  }
}

/** The router itself (`--role router`): serves, and says so in dataDir/router-<port>.pid for a server to adopt. */
async function runRouterHere(config: BerthConfig, redis: RedisHandle): Promise<() => Promise<void>> {
  const { startRouterRole } = await import('../router/cluster.js');
  const { clearRouterPid, writeRouterPid } = await import('./router-pid.js');
  // The server that started this process may be gone with the read end of
  // a shared pipe; a failed log write must not take the router down.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  const router = await startRouterRole(config, redis);
  const tls = router.tlsPort === undefined ? '' : `, HTTPS on ${router.tlsPort}`;
  const workers = router.workers > 1 ? ` (${router.workers} workers)` : '';
  console.log(`berth: router on ${config.bindHost}:${router.port}${tls}${workers}, apps at http://<app>.${config.domain}`);
  await writeRouterPid(config);
  return async () => {
    await clearRouterPid(config);
    await router.close();
  };
}
