// The principal of an API request: `requireAuth` turns a bearer (or Basic)
// token, as the CLI sends it, or the dashboard's session cookie (whose
// state-changing requests must also pass the CSRF check) into a Principal
// (401/429). What that principal may do is the route's policy (policy.ts),
// declared where the route is registered (api-router.ts).
import type { Context, Next } from 'koa';
import { authCheckToken, tokenFromHeader, type AuthDeps } from '../ops/auth/check-token.js';
import { authSessionPrincipal, SESSION_COOKIE } from '../ops/auth/session.js';
import type { Principal } from '../shared/access.js';
import { checkCsrf } from './origin.js';

/** The socket's address; X-Forwarded-For is not trusted (Berth is not behind a proxy by default). */
export const sourceOf = (ctx: Context) => (ctx.request.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');

export const principalOf = (ctx: Context) => ctx.state.principal as Principal;

/** The bearer token when one is sent, else the session cookie plus CSRF. */
export function requireAuth(deps: AuthDeps) {
  return async (ctx: Context, next: Next) => {
    const cookie = ctx.cookies.get(SESSION_COOKIE);
    if (ctx.get('authorization') || !cookie) {
      ctx.state.principal = await authCheckToken(tokenFromHeader(ctx.get('authorization')), deps, { source: sourceOf(ctx), via: 'api' });
    } else {
      const { session, principal } = await authSessionPrincipal(cookie, deps, sourceOf(ctx));
      checkCsrf(ctx, session.csrf, deps.config.dashboard.trustProxy);
      ctx.state.principal = principal;
      // The audit log names the surface: a session is the dashboard.
      ctx.state.via = 'dashboard';
    }
    await next();
  };
}
