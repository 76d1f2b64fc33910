// `berth server`: wires the stages into one process.
//   config -> Redis (embedded or REDIS_URL)
//   -> worker: build queue consumer, lost-build sweep, reconcile, supervisor
//   -> router: Host header -> app containers (optionally a cluster)
//   -> api: REST API + git receiver on one port
// Each role is imported only when asked for, so `--role router` loads
// neither dockerode nor koa. With other roles, the router is not run in
// this process but as a `--role router` process of its own
// (router-process.ts), so a crash here never stops app traffic.
import { mkdir } from 'node:fs/promises';
import { loadConfig, type BerthConfig } from '../config/index.js';
import { connectRedis, type RedisHandle } from '../store/redis.js';
import type { Platform } from './platform.js';

export type Role = 'api' | 'router' | 'worker';
export const ALL_ROLES: readonly Role[] = ['api', 'router', 'worker'];

export interface RunningServer { close(): Promise<void> }

export async function startServer(roles: readonly Role[], config: BerthConfig = loadConfig()): Promise<RunningServer> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const redis = await connectRedis(config);
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
  if (platform && roles.includes('worker')) {
    const { startWorkerRole } = await import('./role-worker.js');
    closers.unshift(await startWorkerRole(platform));
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
