// The one routing decision: what the router does with a request, asked in
// the same words for a plain request and for an upgrade (websocket).
//   host ─► app (custom domain or <app>.<domain>)
//        ─► unknown: 404 page │ HTTPS only over plain HTTP: 308 │ no web
//           processes: 503 page │ otherwise forward to the route
// index.ts acts on the answer with a response or, for an upgrade, the raw
// socket. An upgrade once made its own choice without the HTTPS-only check,
// so a websocket to an HTTPS-only app was tunnelled over plain HTTP.
import type { Duplex } from 'node:stream';
import type { TlsSettings } from '../store/certs.js';
import { appFromHost } from './host.js';
import type { HostnameTable } from './hostnames.js';
import type { RouterRequest } from './http2-request.js';
import { noWebPage, notFoundPage, type Page } from './pages.js';
import type { RouteTable } from './route-table.js';
import { closeAfterAnswer } from './upgrade-reply.js';

export interface DecisionTables {
  readonly domain: string;
  readonly table: RouteTable;
  readonly hostnames: HostnameTable;
  readonly settings: { readonly current: Map<string, TlsSettings> };
  /** The HTTPS port redirects point to; undefined: no HTTPS listener. */
  readonly tlsPort: number | undefined;
}

type Forward = Extract<ReturnType<RouteTable['resolve']>, { kind: 'up' }>;
// Node's parser refuses these in a target or a header, but this head is written by hand.
const UNSAFE_IN_HEAD = /[\u0000-\u0020\u007f]/;

export type Decision =
  | { readonly kind: 'page'; readonly page: Page; readonly app: string | undefined; readonly error?: string }
  | { readonly kind: 'redirect'; readonly location: string; readonly app: string }
  | { readonly kind: 'forward'; readonly app: string; readonly route: Forward['route'] };

/** `host` is the normalised Host header; `tls` whether the client came in over HTTPS. */
export function decide(t: DecisionTables, req: RouterRequest, host: string, tls: boolean): Decision {
  const resolved = t.table.resolve(t.hostnames.lookup(host) ?? appFromHost(host, t.domain));
  if (resolved.kind === 'unknown') return { kind: 'page', page: notFoundPage(host), app: undefined };
  if (!tls && t.tlsPort !== undefined && t.settings.current.get(resolved.app)?.redirectHttps) {
    const port = t.tlsPort === 443 ? '' : `:${t.tlsPort}`;
    return { kind: 'redirect', location: `https://${host}${port}${req.url ?? '/'}`, app: resolved.app };
  }
  if (resolved.kind === 'down') return { kind: 'page', page: noWebPage(resolved.app), app: resolved.app, error: 'no web processes' };
  return { kind: 'forward', app: resolved.app, route: resolved.route };
}

/** The redirect on an upgrade's raw socket: a 308 and a close, never a tunnel. */
export function writeRedirectToSocket(socket: Duplex, location: string, requestId: string): void {
  if (!socket.writable || UNSAFE_IN_HEAD.test(location)) return void socket.destroy();
  socket.write(`HTTP/1.1 308 Permanent Redirect\r\nLocation: ${location}\r\nContent-Length: 0\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n`);
  closeAfterAnswer(socket);
}
