// Headers fixed at the edge. Towards the app: hop-by-hop headers go (RFC 9110
// §7.6.1, plus every header the client's Connection names), a client's own
// X-Forwarded-* / Forwarded / X-Real-IP go (a client could claim any address),
// and the router writes the true X-Forwarded-For/Proto/Host/Port and an
// X-Request-Id. Towards the client: hop-by-hop headers of the app's hop go.
// Neither direction gains a Via header that would name the router.
// HTTP/2 requests (http2-request.ts) reach apps as HTTP/1.1: their pseudo
// headers stay behind, and their split cookie fields are joined into one.
import { randomUUID } from 'node:crypto';
import type { RouterRequest } from './http2-request.js';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authorization', 'proxy-authenticate',
]);
// Never forwarded as sent: the router sets (or checks) them itself. Expect is
// gone because Node has already answered `100 Continue` to the client.
const REPLACED = new Set([
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'forwarded', 'x-real-ip',
  'x-request-id', 'expect', 'host',
]);

// Heroku's rule for a client-chosen request id, plus `.` and `:`; anything
// else (spaces, commas from repeated headers, huge values) is replaced.
const SANE_REQUEST_ID = /^[A-Za-z0-9+/=_.:-]{8,200}$/;

/** Keeps a sane client X-Request-Id so traces can span systems. */
export function requestIdOf(req: RouterRequest): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && SANE_REQUEST_ID.test(sent) ? sent : randomUUID();
}

function connectionTokens(value: string | undefined): Set<string> | undefined {
  if (!value) return undefined;
  const tokens = value.toLowerCase().split(',').map((t) => t.trim()).filter((t) => t && t !== 'close' && t !== 'keep-alive' && t !== 'upgrade');
  return tokens.length ? new Set(tokens) : undefined;
}

export interface Edge {
  readonly requestId: string;
  readonly tls: boolean;
  readonly clientIp: string;
}

/** `:port` of the Host header, else the scheme's default. */
export function portOf(host: string | undefined, tls: boolean): string {
  const m = host ? /:(\d+)$/.exec(host) : null;
  return m ? m[1]! : tls ? '443' : '80';
}

/** The request head for the app, as a raw [name, value, ...] list. */
export function upstreamHeaders(req: RouterRequest, edge: Edge, upgrade: boolean): string[] {
  const raw = req.rawHeaders;
  const named = connectionTokens(req.headers.connection);
  const h2 = req.httpVersionMajor === 2;
  const out: string[] = [];
  let cookies: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || REPLACED.has(lower) || named?.has(lower)) continue;
    if (h2 && name.charCodeAt(0) === 58 /* ':' */) continue;
    if (h2 && lower === 'cookie') (cookies ??= []).push(raw[i + 1]!);
    else out.push(name, raw[i + 1]!);
  }
  if (cookies) out.push('cookie', cookies.join('; '));
  const host = req.headers.host;
  if (host !== undefined) out.push('Host', host);
  if (upgrade) out.push('Connection', 'Upgrade', 'Upgrade', req.headers.upgrade ?? 'websocket');

  out.push(
    'X-Forwarded-For', edge.clientIp,
    'X-Forwarded-Proto', edge.tls ? 'https' : 'http',
    'X-Forwarded-Port', portOf(host, edge.tls),
    'X-Request-Id', edge.requestId,
  );
  if (host !== undefined) out.push('X-Forwarded-Host', host);
  return out;
}

/** The app's response head for the client, without the app hop's hop-by-hop headers. */
export function clientHeaders(raw: readonly string[], requestId: string): string[] {
  const out: string[] = [];
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection') named = connectionTokens(raw[i + 1]);
  }
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower) || lower === 'x-request-id') continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  out.push('X-Request-Id', requestId);
  return out;
}

/** The client address without the IPv4-mapped prefix. */
export function clientIpOf(req: RouterRequest): string {
  const ip = req.socket.remoteAddress ?? '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
