// Auth for /api/v1: every route behind it, no exceptions. A bearer (or
// Basic) token, as the CLI sends it; or the dashboard's session cookie, which
// for any state-changing request must also pass the CSRF check.
import type { Context, Next } from 'koa';
import { authCheckToken, tokenFromHeader } from '../ops/auth/check-token.js';
import { authSession, SESSION_COOKIE } from '../ops/auth/session.js';
import type { OpsDeps } from '../ops/deps.js';
import { checkCsrf } from './origin.js';

export function requireToken(adminToken: string) {
  return async (ctx: Context, next: Next) => {
    authCheckToken(tokenFromHeader(ctx.get('authorization')), adminToken);
    await next();
  };
}

/** The bearer token when one is sent, else the session cookie plus CSRF. */
export function requireAuth(deps: Pick<OpsDeps, 'redis' | 'config'> & { adminToken: string }) {
  return async (ctx: Context, next: Next) => {
    const cookie = ctx.cookies.get(SESSION_COOKIE);
    if (ctx.get('authorization') || !cookie) {
      authCheckToken(tokenFromHeader(ctx.get('authorization')), deps.adminToken);
    } else {
      const session = await authSession(cookie, deps);
      checkCsrf(ctx, session.csrf, deps.config.dashboard.trustProxy);
    }
    await next();
  };
}
