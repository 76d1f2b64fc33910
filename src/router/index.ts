// The router: Host header -> app -> one healthy web upstream.
//
//   request ─► X-Request-Id ─► host.ts: Host -> app name
//           ─► route-table.ts: app -> next upstream (round robin)
//           ─► unknown app: 404 page │ no upstreams: 503 page
//           ─► proxy.ts: forward; refused/dropped: 502 page, too slow: 504 page
//   upgrade ─► the same choice, then proxy.ts pipes the raw sockets
//
// The table is an in-memory copy of Redis that route-sync.ts keeps current
// over pub/sub, so a request never waits on Redis and the router never calls
// Docker. Imports only store, config and shared (design §4).
import http, { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { RedisHandle } from '../store/redis.js';
import { ensureRequestId, prepareForUpstream } from './edge-headers.js';
import { appFromHost, normaliseHost } from './host.js';
import { noWebPage, notFoundPage, sendPage, writePageToSocket } from './pages.js';
import { createUpstreamProxy, type UpstreamProxy } from './proxy.js';
import { RouteTable, type Resolution } from './route-table.js';
import { startRouteSync } from './route-sync.js';

export interface RouterOptions {
  redis: RedisHandle;
  domain: string;
  port: number;
  /** Default '0.0.0.0'. */
  host?: string;
  upstreamTimeoutMs: number;
  /** One line per upstream failure or sync problem. Default: stderr. */
  log?: (line: string) => void;
}

export interface RunningRouter {
  /** The actual port, also when port 0 was asked for. */
  readonly port: number;
  /** Re-reads the app's route; resolves once the in-memory table reflects Redis for it (for tests). */
  synced(app: string): Promise<void>;
  close(): Promise<void>;
}

interface Handlers {
  readonly domain: string;
  readonly table: RouteTable;
  readonly proxy: UpstreamProxy;
  /** Upgraded sockets leave the server's bookkeeping, so close() needs its own list. */
  readonly upgraded: Set<Duplex>;
}

function resolve(h: Handlers, req: IncomingMessage): { host: string; route: Resolution } {
  const host = normaliseHost(req.headers.host);
  return { host, route: h.table.resolve(appFromHost(host, h.domain)) };
}

function onRequest(h: Handlers, req: IncomingMessage, res: ServerResponse): void {
  const requestId = ensureRequestId(req);
  res.setHeader('X-Request-Id', requestId);
  const { host, route } = resolve(h, req);
  if (route.kind === 'unknown') return sendPage(res, notFoundPage(host), requestId);
  if (route.kind === 'down') return sendPage(res, noWebPage(route.app), requestId);
  prepareForUpstream(req);
  h.proxy.web(req, res, route.app, route.target, requestId);
}

function onUpgrade(h: Handlers, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  // Node drops its own error listener from an upgraded socket, and an
  // unheard 'error' (a client reset) would crash the process.
  socket.on('error', () => socket.destroy());
  h.upgraded.add(socket);
  socket.once('close', () => h.upgraded.delete(socket));
  const requestId = ensureRequestId(req);
  const { host, route } = resolve(h, req);
  if (route.kind === 'unknown') return writePageToSocket(socket, notFoundPage(host), requestId);
  if (route.kind === 'down') return writePageToSocket(socket, noWebPage(route.app), requestId);
  prepareForUpstream(req);
  h.proxy.ws(req, socket, head, route.app, route.target, requestId);
}

/** Malformed requests get a bare status instead of a crash or a hung socket. */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startRouter(opts: RouterOptions): Promise<RunningRouter> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const table = new RouteTable();
  const sync = await startRouteSync(opts.redis, table, log);
  const proxy = createUpstreamProxy({ timeoutMs: opts.upstreamTimeoutMs, log });
  const h: Handlers = { domain: normaliseHost(opts.domain), table, proxy, upgraded: new Set() };
  const server = http.createServer((req, res) => onRequest(h, req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(h, req, socket, head));
  server.on('clientError', onClientError);
  try {
    await listen(server, opts.port, opts.host ?? '0.0.0.0');
  } catch (err) {
    proxy.close();
    await sync.close();
    throw err;
  }
  return {
    port: (server.address() as AddressInfo).port,
    synced: (app) => sync.refresh(app),
    async close() {
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      for (const socket of h.upgraded) socket.destroy();
      await closed;
      proxy.close();
      await sync.close();
    },
  };
}
