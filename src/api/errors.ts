// Turns any thrown error into `{ error: { code, message } }` with the real
// HTTP status; internal details stay in the server log.
import type { Context, Next } from 'koa';
import { asBerthError } from '../shared/errors.js';
import { outageAsBerthError } from '../store/redis-health.js';

export async function errorMiddleware(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    // A Redis outage met mid-request is a 503 with its reason, not an internal error.
    const e = outageAsBerthError(err) ?? asBerthError(err);
    if (!e.expose) console.error(`${ctx.method} ${ctx.path}:`, err);
    ctx.status = e.status;
    ctx.body = { error: { code: e.code, message: e.expose ? e.message : 'internal error', ...(e.hint ? { hint: e.hint } : {}) } };
    if (e.code === 'redis_unavailable') ctx.set('Retry-After', '2');
    if (e.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="Berth"');
  }
}
