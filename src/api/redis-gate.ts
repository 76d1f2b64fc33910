// While Redis is away, every request but /healthz gets its 503 at once, with
// the reason, before it touches anything: nearly every route reads Redis,
// and a request that waited for it would hang for the whole outage.
import type { Context, Next } from 'koa';
import type { RedisHandle } from '../store/redis.js';
import { redisUnavailable } from '../store/redis-health.js';

export function redisGate(redis: RedisHandle) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const health = redis.health;
    if (health && !health.up && ctx.path !== '/healthz') {
      throw redisUnavailable(health.reason);
    }
    await next();
  };
}
