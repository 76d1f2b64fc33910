// Forwards one HTTP request to one upstream of its app, over a pool of
// keep-alive connections per upstream (undici's Pool.dispatch: measured 1.7x
// the requests/s of node:http's client here, see test/bench/router.bench.ts).
//
//   pick upstream ─► request head (edge-headers.ts) ─► body streamed
//     no response head yet and the connection failed ─► retry once on
//       another replica (or the standby, when none is left) if the request
//       is idempotent and bodiless (as nginx's proxy_next_upstream); a
//       refused connect also ejects it
//     no response head in time ─► 504 page, upstream request aborted
//     other failure ─► 502 page (or a cut connection mid-body)
//   1xx head ─► 103 Early Hints passed on (Link only), others dropped
//   response head ─► hop-by-hop headers dropped ─► body streamed back
//   (an HTTP/2 client's request goes to the app as HTTP/1.1 all the same:
//   http2-request.ts adapts the head and the response)
//
// Nothing an app or a client does may throw out of here.
import { Pool, type Dispatcher } from 'undici';
import { clientHeaders, upstreamHeaders, type Edge } from './edge-headers.js';
import { requestHasBody, responseGone, writeRawHead, type RouterRequest, type RouterResponse } from './http2-request.js';
import { badGatewayPage, gatewayTimeoutPage, sendPage } from './pages.js';
import { pickUpstream, release as releaseUpstream, type Route, type Upstream } from './route-table.js';

// Per upstream. Beyond this, requests queue in the pool, and the upstream
// timeout still bounds how long they wait there.
const MAX_CONNECTIONS = 512;

export interface ProxyOptions {
  /** Request start to the upstream's response head. */
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly ejectMs: number;
  readonly log: (line: string) => void;
}

/** What the router learns about a finished request, for metrics and the access log. */
export interface Outcome {
  readonly app: string;
  readonly status: number;
  readonly upstream: string;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly startedAt: number;
  /** Why the router answered instead of the app, if it did. */
  readonly error?: string;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** The app never got the request: safe to eject the upstream for a while. */
export const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'ECONNECT_TIMEOUT']);

/** One request in flight, across its (at most two) attempts. */
interface Flight {
  readonly req: RouterRequest;
  readonly res: RouterResponse;
  readonly app: string;
  readonly route: Route;
  readonly edge: Edge;
  readonly headers: string[];
  readonly startedAt: number;
  readonly timer: NodeJS.Timeout;
  readonly onDone: (outcome: Outcome) => void;
  upstream?: Upstream;
  abort?: (err?: Error) => void;
  attempts: number;
  bytesOut: number;
  status: number;
  done: boolean;
}

/**
 * 103 Early Hints go on to HTTP/1.1 clients (browsers preload with them); the
 * other 1xx are the app's hop only (Node itself answers a client's
 * `Expect: 100-continue`). A 1xx must never take the place of the final
 * response head, or that head would fail as "already sent".
 */
function forwardInformational(f: Flight, status: number, headers: readonly string[]): boolean {
  const { req, res } = f;
  if (status !== 103 || req.httpVersionMajor !== 1 || req.httpVersionMinor < 1 || 'stream' in res) return true;
  const links: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === 'link') links.push(headers[i + 1]!);
  if (links.length === 0) return true;
  try {
    res.writeEarlyHints({ link: links });
  } catch {
    // A Link value Node refuses: the hints are only an optimisation.
  }
  return true;
}

export interface HttpProxy {
  forward(req: RouterRequest, res: RouterResponse, app: string, route: Route, edge: Edge, onDone: (outcome: Outcome) => void): void;
  /** The upstreams left the route: their pools close once their requests finish. */
  retire(upstreams: readonly Upstream[]): void;
  close(): Promise<void>;
}

export function createHttpProxy(opts: ProxyOptions): HttpProxy {
  const pools = new Map<Upstream, Pool>();
  const poolOf = (u: Upstream): Pool => {
    let pool = pools.get(u);
    if (!pool) {
      pool = new Pool(`http://${u.host.includes(':') ? `[${u.host}]` : u.host}:${u.port}`, {
        connections: MAX_CONNECTIONS, pipelining: 1, connect: { timeout: opts.connectTimeoutMs },
        // Our own timer answers 504 first; the pool's are only a backstop.
        headersTimeout: opts.timeoutMs + 5000,
      });
      pools.set(u, pool);
    }
    return pool;
  };

  const finish = (f: Flight, status: number, error?: string) => {
    if (f.done) return;
    f.done = true;
    clearTimeout(f.timer);
    if (error) opts.log(`router: ${status} app=${f.app} upstream=${f.upstream?.key ?? '-'} request_id=${f.edge.requestId} ${error}`);
    const bytesIn = Number(f.req.headers['content-length'] ?? 0) || 0;
    f.onDone({ app: f.app, status, upstream: f.upstream?.key ?? '-', bytesIn, bytesOut: f.bytesOut, startedAt: f.startedAt, error });
  };

  const fail = (f: Flight, status: number, why: string) => {
    if (f.res.headersSent) f.res.destroy(); // mid-body, cutting is the only honest signal left
    else if (!responseGone(f.res)) sendPage(f.res, status === 504 ? gatewayTimeoutPage(f.app, opts.timeoutMs) : badGatewayPage(f.app, why), f.edge.requestId);
    finish(f, status, why);
    // After finish: the abort reports back through onError, which must not retry.
    f.abort?.();
  };

  const attempt = (f: Flight, avoid?: Upstream): void => {
    const u = pickUpstream(f.route, Date.now(), avoid);
    f.upstream = u;
    f.attempts++;
    u.active++;
    let released = false;
    const release = () => { if (!released) { released = true; releaseUpstream(u); } };
    const { res } = f;
    const handler: Dispatcher.DispatchHandlers = {
      onConnect(abort) { f.abort = abort; },
      onHeaders(status, raw, resume) {
        if (f.done || responseGone(res)) return false;
        const headers: string[] = new Array(raw.length);
        for (let i = 0; i < raw.length; i++) headers[i] = raw[i]!.toString('latin1');
        // An informational answer (100, 102, 103) comes before the real one.
        if (status < 200) return forwardInformational(f, status, headers);
        clearTimeout(f.timer);
        f.status = status;
        try {
          writeRawHead(res, status, clientHeaders(headers, f.edge.requestId));
        } catch (err) {
          // A head node will not send (an HTTP/2 rule the app's hop has not): the app's fault, not a crash.
          fail(f, 502, (err as NodeJS.ErrnoException).code ?? 'bad response head');
          return false;
        }
        res.on('drain', resume);
        return true;
      },
      onData(chunk) {
        f.bytesOut += chunk.length;
        return (res as NodeJS.WritableStream).write(chunk);
      },
      onComplete() {
        release();
        res.end();
        finish(f, f.status);
      },
      onError(err: Error & { code?: string }) {
        release();
        if (f.done) return;
        const code = err.code ?? err.message;
        if (CONNECT_FAILURES.has(code)) u.ejectedUntil = Date.now() + opts.ejectMs;
        if (!res.headersSent && !responseGone(res) && f.attempts < 2 && IDEMPOTENT.has(f.req.method ?? '') && !requestHasBody(f.req)) {
          return attempt(f, f.route.upstreams.length + f.route.standby.length > 1 ? u : undefined);
        }
        if (res.headersSent) {
          res.destroy();
          return finish(f, f.status, `upstream failed mid-response: ${code}`);
        }
        fail(f, 502, code);
      },
    };
    f.abort = undefined;
    poolOf(u).dispatch({
      path: f.req.url ?? '/', method: (f.req.method ?? 'GET') as Dispatcher.HttpMethod, headers: f.headers, body: requestHasBody(f.req) ? f.req : null,
    }, handler);
  };

  return {
    forward(req, res, app, route, edge, onDone) {
      const f: Flight = {
        req, res, app, route, edge, onDone, headers: upstreamHeaders(req, edge, false), startedAt: Date.now(),
        timer: setTimeout(() => fail(f, 504, `no answer within ${opts.timeoutMs} ms`), opts.timeoutMs),
        attempts: 0, bytesOut: 0, status: 0, done: false,
      };
      // The client left: stop the upstream request too (nginx logs this as 499).
      res.once('close', () => {
        if (f.done) return;
        // Finished but not by us: the router answered itself (an HTTP/2 request timeout's 408).
        finish(f, res.writableFinished ? f.status || res.statusCode : 499);
        f.abort?.();
      });
      attempt(f);
    },
    retire(upstreams) {
      for (const u of upstreams) {
        const pool = pools.get(u);
        pools.delete(u);
        void pool?.close().catch(() => {});
      }
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((p) => p.destroy().catch(() => {})));
    },
  };
}
