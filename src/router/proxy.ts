// Forwards one request or websocket to one chosen upstream via http-proxy-3.
// A failure becomes a 502/504 page for HTTP and a destroyed socket for a
// websocket; nothing an app or a client does may throw out of here.
import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import { badGatewayPage, gatewayTimeoutPage, sendPage } from './pages.js';

// Per upstream host:port. Beyond MAX_SOCKETS requests queue in the agent, and
// the upstream timeout still bounds how long they wait there.
const MAX_SOCKETS = 256;
const MAX_FREE_SOCKETS = 32;

export interface UpstreamProxyOptions {
  /** Time from request start to the upstream's response head (or 101). */
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

export interface UpstreamProxy {
  web(req: IncomingMessage, res: ServerResponse, app: string, target: URL, requestId: string): void;
  ws(req: IncomingMessage, socket: Duplex, head: Buffer, app: string, target: URL, requestId: string): void;
  close(): void;
}

/** What the event handlers need to know about one request in flight. */
interface Flight {
  readonly app: string;
  readonly target: URL;
  readonly requestId: string;
  timer?: NodeJS.Timeout;
  timedOut: boolean;
  upstream?: ClientRequest;
}

type LogFailure = (flight: Flight | undefined, status: number, why: string) => void;

function listenTo(proxy: ProxyServer, flights: WeakMap<IncomingMessage, Flight>, logFailure: LogFailure): void {
  // http-proxy only hands out the upstream request through events; keep it
  // so the timeout can abort it, even if it only got a socket after the deadline.
  const adopt = (proxyReq: ClientRequest, req: IncomingMessage) => {
    const flight = flights.get(req);
    if (flight?.timedOut) proxyReq.destroy();
    else if (flight) flight.upstream = proxyReq;
  };
  proxy.on('proxyReq', adopt);
  proxy.on('proxyReqWs', (proxyReq, req) => {
    adopt(proxyReq, req);
    const answered = () => clearTimeout(flights.get(req)?.timer);
    proxyReq.once('upgrade', answered).once('response', answered);
  });
  proxy.on('proxyRes', (proxyRes, req, res) => {
    clearTimeout(flights.get(req)?.timer);
    // Hop-by-hop headers of the router-to-app hop; with them gone,
    // http-proxy answers the client according to the client's own Connection.
    delete proxyRes.headers.connection;
    delete proxyRes.headers['keep-alive'];
    // http-proxy pipes the body but ignores an upstream that dies mid-body,
    // which would leave the client waiting forever.
    proxyRes.once('close', () => { if (!proxyRes.complete) res.destroy(); });
  });

  // Without an error listener http-proxy throws, which would kill the router.
  proxy.on('error', (err, req, res) => {
    const flight = flights.get(req);
    clearTimeout(flight?.timer);
    const why = (err as NodeJS.ErrnoException).code ?? err.message;
    // For a websocket the third argument is the raw client socket.
    if (!(res instanceof http.ServerResponse)) {
      logFailure(flight, 502, `websocket ${why}`);
      return void res.destroy();
    }
    if (res.writableEnded || res.destroyed) return; // 504 already sent, or the client left
    logFailure(flight, 502, why);
    // Mid-body, cutting the connection is the only honest signal left.
    if (res.headersSent) return void res.destroy();
    sendPage(res, badGatewayPage(flight?.app ?? 'the app'), flight?.requestId);
  });
}

export function createUpstreamProxy(opts: UpstreamProxyOptions): UpstreamProxy {
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_FREE_SOCKETS });
  // Host stays as the client sent it (no changeOrigin): apps see their own name.
  const proxy = createProxyServer({ xfwd: true });
  const flights = new WeakMap<IncomingMessage, Flight>();
  const logFailure: LogFailure = (flight, status, why) =>
    opts.log(`router: ${status} app=${flight?.app ?? '-'} upstream=${flight?.target.host ?? '-'} request_id=${flight?.requestId ?? '-'} ${why}`);
  listenTo(proxy, flights, logFailure);

  const track = (req: IncomingMessage, app: string, target: URL, requestId: string, onTimeout: () => void) => {
    const flight: Flight = { app, target, requestId, timedOut: false };
    flights.set(req, flight);
    flight.timer = setTimeout(() => {
      flight.timedOut = true;
      logFailure(flight, 504, `no answer within ${opts.timeoutMs} ms`);
      onTimeout();
      flight.upstream?.destroy();
    }, opts.timeoutMs);
    return flight;
  };

  return {
    web(req, res, app, target, requestId) {
      const flight = track(req, app, target, requestId, () => {
        if (!res.headersSent && !res.destroyed) sendPage(res, gatewayTimeoutPage(app, opts.timeoutMs), requestId);
      });
      res.once('close', () => clearTimeout(flight.timer));
      // Connection is hop-by-hop: a client's `close` must not close the
      // pooled upstream connection too.
      proxy.web(req, res, { target, agent, headers: { connection: 'keep-alive' } });
    },
    ws(req, socket, head, app, target, requestId) {
      const flight = track(req, app, target, requestId, () => socket.destroy());
      socket.once('close', () => clearTimeout(flight.timer));
      // A websocket holds its connection for good, so it gets its own rather
      // than a pooled one that could never be reused.
      proxy.ws(req, socket, head, { target, agent: false });
    },
    close() {
      agent.destroy();
    },
  };
}
