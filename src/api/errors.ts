// Turns any thrown error into `{ error: { code, message } }` with the real
// HTTP status; internal details stay in the server log.
import type { Context, Next } from 'koa';
import { asBerthError } from '../shared/errors.js';

export async function errorMiddleware(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    const e = asBerthError(err);
    if (!e.expose) console.error(`${ctx.method} ${ctx.path}:`, err);
    ctx.status = e.status;
    ctx.body = { error: { code: e.code, message: e.expose ? e.message : 'internal error', ...(e.hint ? { hint: e.hint } : {}) } };
    if (e.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="Berth"');
  }
}
