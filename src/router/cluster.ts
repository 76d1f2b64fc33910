// The router role of `berth server`: one router in this process with
// BERTH_ROUTER_WORKERS=1, or else (by default, one per core) that many node
// cluster workers sharing the ports
// (the primary then only restarts workers that die and runs ACME). Every
// worker has its own table and subscription, exactly like a separate
// `berth server --role router` process against the same Redis.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { BerthConfig } from '../config/index.js';
import { withServerFlags } from '../shared/node-flags.js';
import type { RedisHandle } from '../store/redis.js';
import { startAcme } from './acme.js';
import { routerOptions, startRouter } from './index.js';

export interface RouterRole {
  readonly port: number;
  readonly tlsPort: number | undefined;
  readonly workers: number;
  close(): Promise<void>;
}

/** What the primary sends a new worker: how to reach the shared Redis. */
export interface WorkerHello { readonly redisOptions: RedisHandle['options']; readonly prefix: string }
export type WorkerMessage = { readonly kind: 'hello?' } | { readonly kind: 'ready'; readonly port: number; readonly tlsPort?: number };

const log = (line: string) => process.stderr.write(`${line}\n`);

function forkWorker(hello: WorkerHello): Promise<{ worker: Worker; ready: { port: number; tlsPort?: number } }> {
  const worker = cluster.fork();
  return new Promise((resolve, reject) => {
    // The worker asks once its modules are loaded: a message sent at
    // 'online' could arrive before it listens.
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.kind === 'hello?') worker.send(hello);
      else if (msg.kind === 'ready') resolve({ worker, ready: msg });
    });
    worker.once('exit', (code) => reject(new Error(`router worker exited with code ${code} before it was ready`)));
  });
}

async function startCluster(config: BerthConfig, redis: RedisHandle): Promise<RouterRole> {
  // Workers get the server's V8 flags even when this process was started without them.
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./cluster-worker.js', import.meta.url)), args: [], execArgv: withServerFlags(process.execArgv) });
  const hello: WorkerHello = { redisOptions: redis.options, prefix: redis.prefix };
  let closing = false;
  const workers = new Set<Worker>();
  const keep = (worker: Worker) => {
    workers.add(worker);
    worker.once('exit', (code, signal) => {
      workers.delete(worker);
      if (closing) return;
      log(`router: worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
      setTimeout(() => !closing && void forkWorker(hello).then(({ worker: w }) => keep(w), (err: Error) => log(`router: ${err.message}`)), 500).unref();
    });
  };
  const started = await Promise.all(Array.from({ length: config.router.workers }, () => forkWorker(hello)));
  for (const { worker } of started) keep(worker);
  const acme = startAcme(redis, config, log);
  return {
    port: started[0]!.ready.port,
    tlsPort: started[0]!.ready.tlsPort,
    workers: config.router.workers,
    async close() {
      closing = true;
      acme.close();
      await Promise.all([...workers].map((w) => new Promise<void>((done) => {
        w.once('exit', () => done());
        w.process.kill('SIGTERM');
      })));
    },
  };
}

export async function startRouterRole(config: BerthConfig, redis: RedisHandle): Promise<RouterRole> {
  if (config.router.workers > 1) return startCluster(config, redis);
  const router = await startRouter(routerOptions(config, redis));
  const acme = startAcme(redis, config, log);
  return {
    port: router.port,
    tlsPort: router.tlsPort,
    workers: 1,
    async close() {
      acme.close();
      await router.close();
    },
  };
}
