// The server's own origin as the browser sees it, and the CSRF check every
// state-changing request made with a session cookie must pass: an Origin
// header naming this server, and the session's anti-CSRF token as a header.
import { timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { TLSSocket } from 'node:tls';
import { BerthError } from '../shared/errors.js';

export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const first = (v: string) => v.split(',')[0]!.trim();

/** `http(s)://host[:port]`; forwarded headers count only from a trusted proxy. */
export function ownOrigin(ctx: Context, trustProxy: boolean): string {
  const tls = Boolean((ctx.req.socket as TLSSocket).encrypted);
  const proto = trustProxy && ctx.get('x-forwarded-proto') ? first(ctx.get('x-forwarded-proto')) : tls ? 'https' : 'http';
  const host = trustProxy && ctx.get('x-forwarded-host') ? first(ctx.get('x-forwarded-host')) : ctx.get('host');
  return `${proto.toLowerCase()}://${host.toLowerCase()}`;
}

export const isSecure = (ctx: Context, trustProxy: boolean) => ownOrigin(ctx, trustProxy).startsWith('https:');

const forbidden = (message: string) =>
  new BerthError('csrf_rejected', message, { hint: 'reload the dashboard and try again; requests from other sites are refused' });

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Throws 403 unless a state-changing request comes from this origin with the session's token. */
export function checkCsrf(ctx: Context, csrf: string | undefined, trustProxy: boolean): void {
  if (SAFE_METHODS.has(ctx.method)) return;
  const origin = ctx.get('origin');
  if (!origin) throw forbidden('this request has no Origin header, so it cannot be told apart from a cross-site one');
  if (origin.toLowerCase() !== ownOrigin(ctx, trustProxy)) throw forbidden(`requests from ${origin} are not allowed`);
  if (csrf !== undefined && !sameToken(ctx.get(CSRF_HEADER), csrf)) throw forbidden('the anti-CSRF token is missing or stale');
}

/**
 * The Origin half of the check, before the body is read: a forged cross-site
 * request with the session cookie gets its 403 whatever it sends (a text/plain
 * form would otherwise meet the JSON parser's 415 first). The token half needs
 * the session, and runs in requireAuth.
 */
export function cookieOriginFirst(cookieName: string, trustProxy: boolean) {
  return async (ctx: Context, next: Next) => {
    if (ctx.path.startsWith('/api/') && !ctx.get('authorization') && ctx.cookies.get(cookieName)) checkCsrf(ctx, undefined, trustProxy);
    await next();
  };
}
