// Entry point of one router cluster worker (see cluster.ts): waits for the
// primary's hello with the Redis to share, serves until told to stop.
import { loadConfig } from '../config/index.js';
import { installLastResortGuard } from '../shared/last-resort.js';
import { attachRedis } from '../store/routes.js';
import { SecretBox } from '../store/secrets.js';
import type { WorkerHello, WorkerMessage } from './cluster.js';
import { routerOptions, startRouter } from './index.js';

process.once('message', (hello: WorkerHello) => {
  void (async () => {
    const config = loadConfig();
    // The same keyring file as the primary's: TLS private keys are sealed in Redis.
    const redis = await attachRedis(hello.redisOptions, hello.prefix, SecretBox.forDataDir(config.dataDir));
    const router = await startRouter(routerOptions(config, redis));
    const ready: WorkerMessage = { kind: 'ready', port: router.port, tlsPort: router.tlsPort };
    process.send?.(ready);
    // A worker serves every app's traffic: an unheard error must not end it (each is a bug, logged and counted).
    installLastResortGuard((line) => process.stderr.write(`router worker ${process.pid}: ${line}\n`));
    const stop = () => void router.close().then(() => redis.close()).finally(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('disconnect', stop);
  })().catch((err: Error) => {
    process.stderr.write(`router worker: ${err.message}\n`);
    process.exit(1);
  });
});

const ask: WorkerMessage = { kind: 'hello?' };
process.send?.(ask);
