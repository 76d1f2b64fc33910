// Bearer-token auth for /api/v1: every route behind it, no exceptions.
import type { Context, Next } from 'koa';
import { authCheckToken, tokenFromHeader } from '../ops/auth/check-token.js';

export function requireToken(adminToken: string) {
  return async (ctx: Context, next: Next) => {
    authCheckToken(tokenFromHeader(ctx.get('authorization')), adminToken);
    await next();
  };
}
