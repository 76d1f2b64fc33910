// Websockets (and any other Upgrade): the same upstream choice as HTTP. The
// handshake goes to the app through node's HTTP client, so the app's answer
// is parsed as HTTP, not sniffed. Only a `101 Switching Protocols` turns the
// connection into raw bytes both ways; any other answer is relayed as a
// normal response and the connection closes (upgrade-reply.ts), so nothing
// the client sends after it can skip Host routing or the header rules.
// Bytes the client sends before the 101 wait, except a declared body.
// Each tunnel is tracked by its upstream, so when a redeploy takes that
// upstream out of the route the tunnel is closed cleanly after the drain
// time; tunnels of other apps, or of upstreams that stay, never notice.
//
// Not http-proxy-3's ws(): it destroys non-websocket upgrades, has no
// deadline for the app's answer, destroys the client on a refused connect
// (so no retry on another replica and no 502 page), appends to a client's
// X-Forwarded-* and gives no handle per tunnel for the drain.
import http from 'node:http';
import type net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { upstreamHeaders, type Edge } from './edge-headers.js';
import { badGatewayPage, badRequestPage, gatewayTimeoutPage, writePageToSocket, type Page } from './pages.js';
import { CONNECT_FAILURES, type Outcome, type ProxyOptions } from './proxy.js';
import { pickUpstream, release, type Route, type Upstream } from './route-table.js';
import { relayAnswer, switchingHead } from './upgrade-reply.js';

// A close frame, server to client (unmasked): 1001 "going away".
const GOING_AWAY = Buffer.from([0x88, 0x02, 0x03, 0xe9]);
const MAX_RESPONSE_HEAD = 64 * 1024;

interface Tunnel { readonly client: Duplex; readonly upstream: net.Socket }

export interface WsProxy {
  forward(req: IncomingMessage, client: Duplex, head: Buffer, app: string, route: Route, edge: Edge, onDone: (outcome: Outcome) => void): void;
  /** Closes the tunnels to these upstreams after `afterMs`. */
  retire(upstreams: readonly Upstream[], afterMs: number): void;
  close(): void;
}

/** The declared body of an upgrade request: bytes, or 'chunked' (which the router does not take). */
function bodyOf(req: IncomingMessage): number | 'chunked' {
  if (req.headers['transfer-encoding'] !== undefined) return 'chunked';
  return Number(req.headers['content-length'] ?? 0) || 0;
}

/** Feeds exactly `length` bytes of the client's stream to the app; what follows stays unread. */
function sendBody(client: Duplex, to: http.ClientRequest, length: number): void {
  let left = length;
  if (left === 0) return void to.end();
  const onData = (chunk: Buffer) => {
    const mine = chunk.length <= left ? chunk : chunk.subarray(0, left);
    left -= mine.length;
    to.write(mine);
    if (left > 0) return;
    client.off('data', onData);
    client.pause();
    if (mine.length < chunk.length) client.unshift(chunk.subarray(mine.length));
    to.end();
  };
  client.on('data', onData);
}

/** The handshake request to the app, on a connection of its own (it becomes the tunnel). */
function handshake(req: IncomingMessage, u: Upstream, edge: Edge): http.ClientRequest {
  return http.request({
    host: u.host, port: u.port, method: req.method, path: req.url, headers: upstreamHeaders(req, edge, true),
    setHost: false, agent: false, maxHeaderSize: MAX_RESPONSE_HEAD,
  });
}

export function createWsProxy(opts: ProxyOptions): WsProxy {
  const tunnels = new Map<string, Set<Tunnel>>();
  const timers = new Set<NodeJS.Timeout>();

  const track = (u: Upstream, t: Tunnel) => {
    let set = tunnels.get(u.key);
    if (!set) tunnels.set(u.key, (set = new Set()));
    set.add(t);
    u.active++;
    const drop = () => {
      if (!set!.delete(t)) return;
      release(u);
      if (set!.size === 0 && tunnels.get(u.key) === set) tunnels.delete(u.key);
    };
    t.client.once('close', drop);
    t.upstream.once('close', drop);
  };

  type Open = { req: IncomingMessage; client: Duplex; app: string; route: Route; edge: Edge; body: number; onDone: (o: Outcome) => void };
  const open = (o: Open, avoid?: Upstream): void => {
    const { req, client, app, route, edge, body, onDone } = o;
    const startedAt = Date.now();
    const u = pickUpstream(route, startedAt, avoid);
    const upstreamReq = handshake(req, u, edge);
    // Settled once: by the app's response head, a timeout, a failure or the client leaving.
    let settled = false;
    // While the app's non-101 answer streams to the client, an upstream error must cut the client.
    let relaying = false;
    const settle = (status: number | undefined, error?: string, page?: Page) => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      clearTimeout(connectTimer);
      client.off('close', onClientGone);
      if (page) writePageToSocket(client, page, edge.requestId);
      if (status === undefined) return true;
      if (error) opts.log(`router: ${status} app=${app} upstream=${u.key} request_id=${edge.requestId} websocket ${error}`);
      onDone({ app, status, upstream: u.key, bytesIn: body, bytesOut: 0, startedAt, error });
      return true;
    };
    const timer = setTimeout(() => {
      if (settle(504, `no answer within ${opts.timeoutMs} ms`, gatewayTimeoutPage(app, opts.timeoutMs))) upstreamReq.destroy();
    }, opts.timeoutMs);
    const connectTimer = setTimeout(() => upstreamReq.destroy(Object.assign(new Error('connect timeout'), { code: 'ECONNECT_TIMEOUT' })), opts.connectTimeoutMs);
    const onClientGone = () => { if (settle(undefined)) upstreamReq.destroy(); };
    client.once('close', onClientGone);
    upstreamReq.once('socket', (s: net.Socket) => {
      s.setNoDelay(true);
      s.once('connect', () => clearTimeout(connectTimer));
    });

    upstreamReq.on('upgrade', (res: IncomingMessage, upstream: net.Socket, upstreamHead: Buffer) => {
      // Node drops its own error listener from an upgraded socket; an unheard reset would crash the router.
      upstream.on('error', () => upstream.destroy());
      if (!settle(101)) return void upstream.destroy();
      client.write(switchingHead(res, edge.requestId));
      if (upstreamHead.length) client.write(upstreamHead);
      splice(u, client, upstream);
    });
    upstreamReq.on('response', (res: IncomingMessage) => {
      // A 101 without an Upgrade header switches to nothing the router could name.
      if (res.statusCode === 101) {
        if (settle(502, 'bad_upgrade', badGatewayPage(app, 'bad_upgrade'))) upstreamReq.destroy();
        return;
      }
      if (!settle(res.statusCode ?? 502)) return void res.destroy();
      relaying = true;
      relayAnswer(req, res, client, edge.requestId, () => { relaying = false; upstreamReq.destroy(); });
    });
    upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      // Settled otherwise: a page is on its way, or the client left; a tunnel has its own socket.
      if (settled) return void (relaying && client.destroy());
      const code = err.code ?? err.message;
      if (CONNECT_FAILURES.has(code)) {
        u.ejectedUntil = Date.now() + opts.ejectMs;
        // A handshake without a body is safe to try on another replica once.
        if (!avoid && body === 0 && route.upstreams.length + route.standby.length > 1 && !client.destroyed && settle(undefined)) return open(o, u);
      }
      settle(502, code, badGatewayPage(app, code));
    });
    sendBody(client, upstreamReq, body);
  };

  /** The handshake is answered: from here on, bytes both ways. */
  const splice = (u: Upstream, client: Duplex, upstream: net.Socket) => {
    track(u, { client, upstream });
    upstream.pipe(client);
    client.pipe(upstream);
    client.once('close', () => upstream.destroy());
    // A clean end from the app was already passed on by pipe; an error cuts.
    upstream.once('close', () => { if (upstream.errored) client.destroy(); else client.end(); });
  };

  const shutTunnel = (t: Tunnel) => {
    t.upstream.unpipe(t.client);
    t.upstream.destroy();
    if (t.client.writable) t.client.end(GOING_AWAY);
    else t.client.destroy();
  };

  return {
    forward(req, client, head, app, route, edge, onDone) {
      // Whatever came with the head is the client's next bytes: a body, early frames, or a pipelined request.
      if (head.length) client.unshift(head);
      const body = bodyOf(req);
      if (body === 'chunked') {
        writePageToSocket(client, badRequestPage('An Upgrade request with a chunked body is not supported.', 'Send the body with a Content-Length, or no body.'), edge.requestId);
        return onDone({ app, status: 400, upstream: '-', bytesIn: 0, bytesOut: 0, startedAt: Date.now(), error: 'upgrade with a chunked body' });
      }
      open({ req, client, app, route, edge, body, onDone });
    },
    retire(upstreams, afterMs) {
      const doomed = upstreams.flatMap((u) => [...(tunnels.get(u.key) ?? [])]);
      if (doomed.length === 0) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        for (const t of doomed) shutTunnel(t);
      }, afterMs);
      timer.unref();
      timers.add(timer);
    },
    close() {
      for (const t of timers) clearTimeout(t);
      for (const set of tunnels.values()) for (const t of set) { t.upstream.destroy(); t.client.destroy(); }
      tunnels.clear();
    },
  };
}
