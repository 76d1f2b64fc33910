// GET /healthz: 200 once Redis and Docker both answer (design §3 readiness).
import type { ApiRouter } from '../api-router.js';
import { pingDocker, type Docker } from '../../docker/client.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisHandle } from '../../store/redis.js';
import { redisUnavailable } from '../../store/redis-health.js';
import { uncaughtCount } from '../../shared/uncaught.js';

const DOCKER_PING_MS = 3000;

export function healthzRoutes(router: ApiRouter, deps: { redis: RedisHandle; docker: Docker }): void {
  router.get('/healthz', { public: 'readiness: says only whether Redis and Docker answer' }, async (ctx) => {
    // Known down: say so at once (the request handle's probe knows, redis-health.ts).
    const known = deps.redis.health;
    const [redis, docker] = await Promise.all([
      known && !known.up ? false : deps.redis.client.ping().then(() => true, () => false),
      // A hung dockerd must not hang the readiness check.
      Promise.race([pingDocker(deps.docker), sleep(DOCKER_PING_MS).then(() => false)]),
    ]);
    ctx.status = redis && docker ? 200 : 503;
    // uncaught: errors the last-resort guard caught in this process; each is a bug.
    ctx.body = { ok: redis && docker, redis, docker, uncaught: uncaughtCount(),
      ...(redis ? {} : { error: redisUnavailable(known?.reason ?? 'PING failed').message }) };
  });
}
