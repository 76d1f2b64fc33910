// The router: Host header -> app -> one healthy web upstream.
//
//   request ─► absolute form to origin form ─► X-Request-Id
//           ─► /.well-known/acme-challenge/: ACME answer
//           ─► host: custom domain (hostnames.ts) or <app>.<domain> (host.ts)
//           ─► decision.ts: unknown: 404 page │ HTTPS only: 308 │ no upstreams: 503 page
//           ─► proxy.ts: pick an upstream (route-table.ts), forward, retry
//           ─► traffic.ts: metrics and the access line
//   two Host lines, OPTIONS * or another non-path target ─► 400 page, closed
//   upgrade ─► the same decision (decision.ts); websocket.ts tunnels raw bytes after a 101,
//           relays any other answer and closes
//   TLS     ─► the same handlers behind an SNI certificate (tls.ts), over
//              HTTP/1.1 or HTTP/2 by ALPN (tls-server.ts); an HTTP/2 request
//              routes on :authority (http2-request.ts), within http2-guard.ts's bounds
//
// The tables are in-memory copies of Redis that route-sync.ts keeps current
// over pub/sub, so a request never waits on Redis and the router never calls
// Docker. Imports only store, config and shared (design §4).
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import type { BerthConfig } from '../config/index.js';
import { routerSettings } from '../config/router-settings.js';
import { allCerts, allTlsSettings, getChallenge, type TlsSettings } from '../store/certs.js';
import type { RedisHandle } from '../store/redis.js';
import { reportDraining } from '../store/routes.js';
import { clientIpOf, requestIdOf, type Edge } from './edge-headers.js';
import { normaliseHost, toOriginForm } from './host.js';
import { HostnameTable } from './hostnames.js';
import { badRequestPage, sendPage, sendRedirect, writePageToSocket, type Page } from './pages.js';
import { createHttpProxy, type Outcome } from './proxy.js';
import { RouteTable, type Upstream } from './route-table.js';
import { startRouteSync, type SyncTargets } from './route-sync.js';
import { CertStore, fallbackPair } from './tls.js';
import { clientErrorPage } from './client-error.js';
import { startTraffic, type AccessInfo } from './traffic.js';
import { createWsProxy } from './websocket.js';
import { decide, writeRedirectToSocket } from './decision.js';
import { isShunned } from './http2-guard.js';
import { adoptAuthority, isHttp2, isHttp2Response, limitRequestTime, type RouterRequest, type RouterResponse } from './http2-request.js';
import { createTlsServer, type TlsServer } from './tls-server.js';

/** The router's time and size limits, as config/ names and documents them. */
export type RouterLimits = Pick<BerthConfig['router'],
  'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'maxHeaderBytes' | 'connectTimeoutMs' | 'ejectMs' | 'http2'>;

export interface RouterOptions {
  redis: RedisHandle;
  domain: string;
  port: number;
  /** Default '0.0.0.0'. */
  host?: string;
  /** HTTPS listener; none when undefined. */
  tlsPort?: number;
  upstreamTimeoutMs: number;
  /** How long websockets on a retired upstream stay open. Default 3000. */
  drainMs?: number;
  limits?: Partial<RouterLimits>;
  traffic?: { accessLog?: boolean; accessLogPerSec?: number; flushMs?: number; appLogLines?: number };
  /** One line per upstream failure or sync problem. Default: stderr. */
  log?: (line: string) => void;
}

export interface RunningRouter {
  /** The actual ports, also when port 0 was asked for. */
  readonly port: number;
  readonly tlsPort: number | undefined;
  /** Re-reads the app's route; resolves once the in-memory table reflects Redis for it (for tests). */
  synced(app: string): Promise<void>;
  /** Re-reads domains, certificates and TLS settings (for tests). */
  syncedNames(): Promise<void>;
  /** Writes pending metrics and access lines to Redis now. */
  flushTraffic(): Promise<void>;
  /** HTTP/2 sessions sent GOAWAY for resetting too many streams (for tests). */
  http2ResetRefusals(): number;
  close(): Promise<void>;
}

/** The router options the server config implies. */
export function routerOptions(config: BerthConfig, redis: RedisHandle): RouterOptions {
  const r = config.router;
  return {
    redis, domain: config.domain, port: config.routerPort, host: config.bindHost, tlsPort: r.tlsPort,
    upstreamTimeoutMs: r.upstreamTimeoutMs, drainMs: config.runtime.drainMs,
    limits: r,
    traffic: { accessLog: r.accessLog, accessLogPerSec: r.accessLogPerSec, flushMs: r.metricsFlushMs, appLogLines: config.runtime.appLogLines },
  };
}

/** A router started without limits (tests, benches) has the server's defaults. */
const DEFAULT_LIMITS: RouterLimits = routerSettings({});
const CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

interface Handlers {
  readonly domain: string;
  readonly redis: RedisHandle;
  readonly table: RouteTable;
  readonly hostnames: HostnameTable;
  readonly settings: { current: Map<string, TlsSettings> };
  /** The HTTPS port redirects point to (the real one when 0 was asked for). */
  tlsPort: number | undefined;
  readonly proxy: ReturnType<typeof createHttpProxy>;
  readonly ws: ReturnType<typeof createWsProxy>;
  readonly traffic: ReturnType<typeof startTraffic>;
  /** Upgraded sockets leave the server's bookkeeping, so close() needs its own list. */
  readonly upgraded: Set<Duplex>;
}

function edgeOf(req: RouterRequest, tls: boolean): Edge {
  return { requestId: requestIdOf(req), tls, clientIp: clientIpOf(req) };
}

const accessInfo = (req: RouterRequest, host: string, edge: Edge): AccessInfo =>
  ({ method: req.method ?? '-', path: req.url ?? '/', host, requestId: edge.requestId, clientIp: edge.clientIp, tls: edge.tls });

/** HTTP-01 answers are rare and short-lived: read from Redis, not synced. */
async function answerChallenge(h: Handlers, req: RouterRequest, res: RouterResponse, tls: boolean): Promise<void> {
  const token = (req.url ?? '').slice(CHALLENGE_PREFIX.length);
  const answer = /^[A-Za-z0-9_-]+$/.test(token) ? await getChallenge(h.redis, token).catch(() => undefined) : undefined;
  if (answer === undefined) return route(h, req, res, tls);
  const headers = { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(answer) };
  if (isHttp2Response(res)) res.writeHead(200, headers);
  else res.writeHead(200, headers);
  res.end(answer);
}

function route(h: Handlers, req: RouterRequest, res: RouterResponse, tls: boolean): void {
  const edge = edgeOf(req, tls);
  const host = normaliseHost(req.headers.host);
  const d = decide(h, req, host, tls);
  const record = (o: Outcome) => h.traffic.record(o, accessInfo(req, host, edge));
  const startedAt = Date.now();
  if (d.kind === 'forward') return h.proxy.forward(req, res, d.app, d.route, edge, record);
  if (d.kind === 'redirect') {
    sendRedirect(res, d.location, edge.requestId);
    return record({ app: d.app, status: 308, upstream: '-', bytesIn: 0, bytesOut: 0, startedAt });
  }
  sendPage(res, d.page, edge.requestId);
  if (d.app !== undefined) record({ app: d.app, status: d.page.status, upstream: '-', bytesIn: 0, bytesOut: 0, startedAt, error: d.error });
}

/**
 * What RFC 9112 makes a 400 but node's parser lets through: a second Host
 * line (node keeps the first, so routing by it would let the app see a host
 * the router never checked), and a target that is not a path after
 * toOriginForm, such as `OPTIONS *`; and an HTTP/1.1 request with no Host at all
 * (node's own 400 for it has no body). nginx answers all three with 400 and closes.
 */
function refusal(req: RouterRequest): Page | undefined {
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts++;
  if (hosts > 1) return badRequestPage('The request has more than one Host header.', 'Send exactly one Host header (RFC 9112 section 3.2).');
  if (req.headers.host === undefined && req.httpVersion === '1.1') return badRequestPage('The request has no Host header, which HTTP/1.1 requires.', 'Send the app\'s host name, for example Host: my-app.example.com (RFC 9112 section 3.2).');
  if (req.url?.startsWith('/')) return undefined;
  return req.url === '*'
    ? badRequestPage('The router does not answer asterisk-form requests such as OPTIONS *.', 'Ask about a path instead, for example OPTIONS / .')
    : badRequestPage('The request target is not a path or an absolute http(s) URI.', 'Send a target such as /path or http://host/path.');
}

function onRequest(h: Handlers, req: RouterRequest, res: RouterResponse, tls: boolean, requestTimeoutMs: number): void {
  if (isHttp2(req)) {
    // Already reset, or from a session told to go away for its resets (http2-guard.ts): no app hears of it.
    if (req.stream.destroyed || req.stream.aborted || isShunned(req.stream.session)) return;
    const refused = adoptAuthority(req);
    if (refused) return sendPage(res, refused, requestIdOf(req), true);
    if (isHttp2Response(res)) limitRequestTime(req, res, requestTimeoutMs, clientErrorPage('ERR_HTTP_REQUEST_TIMEOUT', 0), requestIdOf(req), sendPage);
  }
  toOriginForm(req);
  const refused = refusal(req);
  if (refused) return sendPage(res, refused, requestIdOf(req), true);
  if (req.url?.startsWith(CHALLENGE_PREFIX)) {
    void answerChallenge(h, req, res, tls).catch(() => res.destroy());
    return;
  }
  route(h, req, res, tls);
}

function onUpgrade(h: Handlers, req: IncomingMessage, socket: Duplex, head: Buffer, tls: boolean): void {
  // Node drops its own error listener from an upgraded socket, and an
  // unheard 'error' (a client reset) would crash the process.
  socket.on('error', () => socket.destroy());
  h.upgraded.add(socket);
  socket.once('close', () => h.upgraded.delete(socket));
  toOriginForm(req);
  const refused = refusal(req);
  if (refused) return writePageToSocket(socket, refused, requestIdOf(req));
  const edge = edgeOf(req, tls);
  const host = normaliseHost(req.headers.host);
  // The same decision as a request's: an HTTPS-only app's upgrade over plain HTTP gets the 308, never a tunnel.
  const d = decide(h, req, host, tls);
  if (d.kind === 'page') return writePageToSocket(socket, d.page, edge.requestId);
  if (d.kind === 'redirect') return writeRedirectToSocket(socket, d.location, edge.requestId);
  h.ws.forward(req, socket, head, d.app, d.route, edge, (o) => h.traffic.record(o, accessInfo(req, host, edge)));
}

/** Malformed requests (smuggling shapes, huge heads, slow clients) get a page that says why, never a crash. */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex, maxHeaderBytes: number): void {
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  writePageToSocket(socket, clientErrorPage(err.code, maxHeaderBytes));
}

function listen(server: NetServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function serve(h: Handlers, server: NetServer, tls: boolean, limits: RouterLimits): void {
  const { maxHeaderBytes, requestTimeoutMs } = limits;
  server.on('request', (req: RouterRequest, res: RouterResponse) => {
    if (!isHttp2(req)) return onRequest(h, req, res, tls, requestTimeoutMs);
    // node emits an HTTP/2 request as soon as its HEADERS frame is parsed, before
    // the rest of the same read: a RST_STREAM right behind it (rapid reset) is
    // only seen after. The check phase comes after the whole read, at no cost in latency.
    setImmediate(onRequest, h, req, res, tls, requestTimeoutMs);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(h, req, socket, head, tls));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => onClientError(err, socket, maxHeaderBytes));
}

function createHandlers(opts: RouterOptions, limits: RouterLimits, log: (line: string) => void): Handlers {
  const proxyOpts = { timeoutMs: opts.upstreamTimeoutMs, connectTimeoutMs: limits.connectTimeoutMs, ejectMs: limits.ejectMs, log };
  const t = opts.traffic ?? {};
  return {
    domain: normaliseHost(opts.domain), redis: opts.redis, table: new RouteTable(), hostnames: new HostnameTable(), settings: { current: new Map() },
    tlsPort: opts.tlsPort, proxy: createHttpProxy(proxyOpts), ws: createWsProxy(proxyOpts), upgraded: new Set(),
    traffic: startTraffic(opts.redis, {
      flushMs: t.flushMs ?? 1000, accessLog: t.accessLog ?? true, accessLogPerSec: t.accessLogPerSec ?? 100, appLogLines: t.appLogLines ?? 10_000, log,
    }),
  };
}

/** What route-sync.ts updates, and what the router does when upstreams leave a route. */
function syncTargets(h: Handlers, opts: RouterOptions, certs: CertStore | undefined, log: (line: string) => void): SyncTargets {
  const routerId = `${process.pid}-${randomBytes(4).toString('hex')}`;
  return {
    table: h.table,
    hostnames: h.hostnames,
    onRemoved(_app, upstreams) {
      h.proxy.retire(upstreams);
      h.ws.retire(upstreams, opts.drainMs ?? 3000);
      // A deploy waits for these reports (waitForDrain) before it stops the containers.
      const report = (u: Upstream, n: number) => void reportDraining(opts.redis, routerId, u.key, n)
        .catch((err: Error) => log(`router: drain report failed: ${err.message}`));
      for (const u of upstreams) {
        if (u.active === 0) continue;
        report(u, u.active);
        u.onIdle = () => report(u, 0);
      }
    },
    async reloadTls() {
      const [all, settings] = await Promise.all([certs ? allCerts(opts.redis) : [], allTlsSettings(opts.redis)]);
      certs?.load(all, (app) => [`${app}.${h.domain}`, ...h.hostnames.namesOf(app)], log);
      h.settings.current = settings;
    },
  };
}

interface Servers {
  readonly plain: Server;
  readonly secure: TlsServer | undefined;
}

function createServers(h: Handlers, limits: RouterLimits, certs: CertStore | undefined, log: (line: string) => void): Servers {
  const serverOpts: http.ServerOptions = {
    maxHeaderSize: limits.maxHeaderBytes, headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs, connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    // node's own answer to an HTTP/1.1 request without Host is an empty 400; refusal() says why instead.
    requireHostHeader: false,
  };
  const plain = http.createServer(serverOpts);
  serve(h, plain, false, limits);
  const secure = certs ? createTlsServer(certs.sni, limits, serverOpts, log) : undefined;
  if (secure) serve(h, secure.server, true, limits);
  return { plain, secure };
}

export async function startRouter(opts: RouterOptions): Promise<RunningRouter> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const h = createHandlers(opts, limits, log);
  const certs = opts.tlsPort === undefined ? undefined : new CertStore(await fallbackPair(opts.redis, h.domain));
  const sync = await startRouteSync(opts.redis, syncTargets(h, opts, certs, log), log);
  const { plain, secure } = createServers(h, limits, certs, log);
  const all: NetServer[] = secure ? [plain, secure.server] : [plain];
  const host = opts.host ?? '0.0.0.0';
  try {
    await listen(plain, opts.port, host);
    if (secure) {
      await listen(secure.server, opts.tlsPort!, host);
      h.tlsPort = (secure.server.address() as AddressInfo).port;
    }
  } catch (err) {
    for (const s of all) s.close();
    await h.proxy.close();
    await h.traffic.close();
    await sync.close();
    throw err;
  }
  return {
    port: (plain.address() as AddressInfo).port,
    tlsPort: h.tlsPort,
    synced: (app) => sync.refresh(app),
    syncedNames: () => sync.refreshAll(),
    flushTraffic: () => h.traffic.flush(),
    http2ResetRefusals: () => secure?.guard?.refusedForResets() ?? 0,
    async close() {
      const closed = all.map((s) => new Promise<void>((done) => s.close(() => done())));
      plain.closeAllConnections();
      secure?.closeAllConnections();
      for (const socket of h.upgraded) socket.destroy();
      h.ws.close();
      await Promise.all(closed);
      await h.proxy.close();
      await h.traffic.close();
      await sync.close();
    },
  };
}
