// Websockets (and any other Upgrade): the same upstream choice as HTTP, then
// raw bytes both ways. The router reads only the upstream's response head,
// to stop the timeout and to know the status. Each tunnel is tracked by its
// upstream, so when a redeploy takes that upstream out of the route the
// tunnel is closed cleanly after the drain time; tunnels of other apps, or
// of upstreams that stay, never notice a route change.
import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { upstreamHeaders, type Edge } from './edge-headers.js';
import { badGatewayPage, gatewayTimeoutPage, writePageToSocket, type Page } from './pages.js';
import { CONNECT_FAILURES, type Outcome, type ProxyOptions } from './proxy.js';
import { pickUpstream, release, type Route, type Upstream } from './route-table.js';

// A close frame, server to client (unmasked): 1001 "going away".
const GOING_AWAY = Buffer.from([0x88, 0x02, 0x03, 0xe9]);
const MAX_HEAD = 64 * 1024;

interface Tunnel { readonly client: Duplex; readonly upstream: net.Socket }

export interface WsProxy {
  forward(req: IncomingMessage, client: Duplex, head: Buffer, app: string, route: Route, edge: Edge, onDone: (outcome: Outcome) => void): void;
  /** Closes the tunnels to these upstreams after `afterMs`. */
  retire(upstreams: readonly Upstream[], afterMs: number): void;
  close(): void;
}

function requestHead(req: IncomingMessage, edge: Edge): string {
  const h = upstreamHeaders(req, edge, true);
  let head = `${req.method} ${req.url} HTTP/1.1\r\n`;
  for (let i = 0; i < h.length; i += 2) head += `${h[i]}: ${h[i + 1]}\r\n`;
  return `${head}\r\n`;
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

  type Open = { req: IncomingMessage; client: Duplex; head: Buffer; app: string; route: Route; edge: Edge; onDone: (o: Outcome) => void };
  const open = (o: Open, avoid?: Upstream): void => {
    const { req, client, head, app, route, edge, onDone } = o;
    const startedAt = Date.now();
    const u = pickUpstream(route, startedAt, avoid);
    const upstream = net.connect({ host: u.host, port: u.port });
    upstream.setNoDelay(true);
    // Settled once: by the app's response head, a timeout, a failure or the client leaving.
    let settled = false;
    const settle = (status: number | undefined, error?: string, page?: Page) => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      clearTimeout(connectTimer);
      client.off('close', onClientGone);
      if (page) writePageToSocket(client, page, edge.requestId);
      if (status === undefined) return true;
      if (error) opts.log(`router: ${status} app=${app} upstream=${u.key} request_id=${edge.requestId} websocket ${error}`);
      onDone({ app, status, upstream: u.key, bytesIn: 0, bytesOut: 0, startedAt, error });
      return true;
    };
    const timer = setTimeout(() => {
      if (settle(504, `no answer within ${opts.timeoutMs} ms`, gatewayTimeoutPage(app, opts.timeoutMs))) upstream.destroy();
    }, opts.timeoutMs);
    const connectTimer = setTimeout(() => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ECONNECT_TIMEOUT' })), opts.connectTimeoutMs);
    const onClientGone = () => { if (settle(undefined)) upstream.destroy(); };
    client.once('close', onClientGone);

    upstream.once('connect', () => {
      clearTimeout(connectTimer);
      upstream.write(requestHead(req, edge));
      if (head.length) upstream.write(head);
    });
    let buf: Buffer = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (buf.indexOf('\r\n\r\n') === -1 && buf.length < MAX_HEAD) return;
      upstream.off('data', onHead);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, 64).toString('latin1'))?.[1] ?? 502);
      if (!settle(status)) return;
      client.write(buf);
      splice(u, client, upstream);
    };
    upstream.on('data', onHead);
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (settled) return void client.destroy();
      const code = err.code ?? err.message;
      if (CONNECT_FAILURES.has(code)) {
        u.ejectedUntil = Date.now() + opts.ejectMs;
        // A handshake is a GET: safe to try another replica once.
        if (!avoid && route.upstreams.length > 1 && !client.destroyed && settle(undefined)) return open(o, u);
      }
      settle(502, code, badGatewayPage(app));
    });
    upstream.once('close', () => settle(502, 'upstream closed before answering', badGatewayPage(app)));
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
    forward: (req, client, head, app, route, edge, onDone) => open({ req, client, head, app, route, edge, onDone }),
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
