// GET /healthz: 200 once Redis and Docker both answer (design §3 readiness).
import type Router from '@koa/router';
import { pingDocker, type Docker } from '../../docker/client.js';
import type { RedisHandle } from '../../store/redis.js';
import { uncaughtCount } from '../../shared/uncaught.js';

export function healthzRoutes(router: Router, deps: { redis: RedisHandle; docker: Docker }): void {
  router.get('/healthz', async (ctx) => {
    const [redis, docker] = await Promise.all([
      deps.redis.client.ping().then(() => true, () => false),
      pingDocker(deps.docker),
    ]);
    ctx.status = redis && docker ? 200 : 503;
    // uncaught: errors the last-resort guard caught in this process; each is a bug.
    ctx.body = { ok: redis && docker, redis, docker, uncaught: uncaughtCount() };
  });
}
