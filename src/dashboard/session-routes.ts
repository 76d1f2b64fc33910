// Sign-in and sign-out: POST /api/v1/session { token } sets the session
// cookie, GET tells the page whether it is signed in (and its anti-CSRF
// token), DELETE ends the session server-side. Outside the token check.
import type { ApiRouter } from '../api/api-router.js';
import type { Context } from 'koa';
import { authSession, authSignIn, authSignOut, SESSION_COOKIE } from '../ops/auth/session.js';
import type { OpsDeps } from '../ops/deps.js';
import { checkCsrf, isSecure } from '../api/origin.js';

type Deps = OpsDeps & { adminToken: string };

/**
 * Written by hand: koa's cookies refuses `Secure` behind a TLS proxy. Next to
 * the session a readable `berth_hint=1` (no secret in it) lets the page start
 * its live feeds before it has asked whether it is signed in.
 */
function setCookie(ctx: Context, value: string, maxAgeSec: number, trustProxy: boolean): void {
  const flags = ['Path=/', 'SameSite=Strict', `Max-Age=${maxAgeSec}`, ...(isSecure(ctx, trustProxy) ? ['Secure'] : [])];
  ctx.append('Set-Cookie', `${SESSION_COOKIE}=${value}; ${['Path=/', 'HttpOnly', ...flags.slice(1)].join('; ')}`);
  ctx.append('Set-Cookie', `${HINT_COOKIE}=${value ? '1' : ''}; ${flags.join('; ')}`);
}
const HINT_COOKIE = 'berth_hint';

function sourceAddress(ctx: Context, trustProxy: boolean): string {
  const forwarded = trustProxy ? ctx.get('x-forwarded-for').split(',')[0]?.trim() : '';
  return forwarded || ctx.req.socket.remoteAddress || 'unknown';
}

export function sessionRoutes(router: ApiRouter, deps: Deps): void {
  const { trustProxy } = deps.config.dashboard;
  router.post('/api/v1/session', { public: 'the sign-in: checks the Origin and the token itself' }, async (ctx) => {
    // No session yet: the Origin check alone stops a cross-site sign-in.
    checkCsrf(ctx, undefined, trustProxy);
    const token = (ctx.request.body as { token?: unknown } | undefined)?.token;
    const { id, session } = await authSignIn({ token, source: sourceAddress(ctx, trustProxy) }, deps);
    setCookie(ctx, id, Math.floor(deps.config.dashboard.sessionTtlMs / 1000), trustProxy);
    ctx.status = 201;
    ctx.body = { session: { csrf: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() } };
  });
  router.get('/api/v1/session', { public: 'says only whether the cookie is a live session' }, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    // 200 either way: "not signed in" is an answer here, not an error.
    const session = await authSession(ctx.cookies.get(SESSION_COOKIE), deps).catch(() => undefined);
    ctx.body = { session: session ? { csrf: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() } : null };
  });
  router.delete('/api/v1/session', { public: 'the sign-out: needs the live session and its CSRF token' }, async (ctx) => {
    const id = ctx.cookies.get(SESSION_COOKIE);
    const session = await authSession(id, deps);
    checkCsrf(ctx, session.csrf, trustProxy);
    await authSignOut(id, deps);
    setCookie(ctx, '', 0, trustProxy);
    ctx.status = 204;
  });
}
