// Auth for /api/v1 (and /metrics): every route behind it, no exceptions.
// `requireAuth` turns a bearer (or Basic) token, as the CLI sends it, or the
// dashboard's session cookie (whose state-changing requests must also pass
// the CSRF check) into a Principal (401/429); `authorize` then checks its
// scope against the request (403):
//   /tokens /users /keys /secrets   admin only, even to read
//   /apps/:app/...                  GET: read on that app; else admin
//   /apps /events /whoami /sign-in  any principal (answers are filtered)
//   anything else                   GET: read on the install; else admin
import type { Context, Next } from 'koa';
import { authCheckToken, tokenFromHeader, type AuthDeps } from '../ops/auth/check-token.js';
import { authSessionPrincipal, SESSION_COOKIE } from '../ops/auth/session.js';
import { allows, forbidden, type Action, type Principal } from '../shared/access.js';
import type { AppName } from '../shared/app-name.js';
import { checkCsrf } from './origin.js';

/** The socket's address; X-Forwarded-For is not trusted (Berth is not behind a proxy by default). */
export const sourceOf = (ctx: Context) => (ctx.request.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');

export const principalOf = (ctx: Context) => ctx.state.principal as Principal;

export function requireToken(deps: AuthDeps) {
  return async (ctx: Context, next: Next) => {
    ctx.state.principal = await authCheckToken(tokenFromHeader(ctx.get('authorization')), deps, { source: sourceOf(ctx), via: 'api' });
    await next();
  };
}

const ADMIN_ONLY = /^\/(tokens|users|keys|secrets)(\/|$)/;
const APP_PATH = /^\/apps\/([^/]+)(\/|$)/;
// Listings filter what they show by the principal's scopes (GET /apps, /status, /events).
const ANY_PRINCIPAL = /^\/(apps|events|whoami|sign-in|status|status\/stream)\/?$/;

/** What a request needs: the action, and the app it is about (if any). */
export function requirement(method: string, apiPath: string): { action: Action; app?: AppName } | 'any' {
  const reading = method === 'GET' || method === 'HEAD';
  if (ADMIN_ONLY.test(apiPath)) return { action: 'admin' };
  const m = APP_PATH.exec(apiPath);
  if (m) return { action: reading ? 'read' : 'admin', app: decodeURIComponent(m[1]!) as AppName };
  if (ANY_PRINCIPAL.test(apiPath) && (reading || apiPath.startsWith('/sign-in'))) return 'any';
  return { action: reading ? 'read' : 'admin' };
}

export function authorize(prefix: string) {
  return async (ctx: Context, next: Next) => {
    const need = requirement(ctx.method, ctx.path.startsWith(prefix) ? ctx.path.slice(prefix.length) || '/' : ctx.path);
    const principal = principalOf(ctx);
    if (need !== 'any' && !allows(principal.scopes, need.action, need.app)) throw forbidden(principal, need.action, need.app);
    await next();
  };
}

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
