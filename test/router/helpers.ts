// Shared set-up for the router tests: a private redis-server, throwaway HTTP
// backends and a raw HTTP client that can set any Host header.
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningRouter } from '../../src/router/index.js';
import { setRoute } from '../../src/store/routes.js';
import type { RedisHandle } from '../../src/store/redis.js';

export { startTestRedis, type TestRedis } from '../helpers/redis.js';
export { freePort } from '../helpers/berth.js';

export const randomApp = () => `t${randomBytes(5).toString('hex')}`;

/** Backends a test file starts, to close together in its after(). */
export class BackendPool {
  private readonly started: Backend[] = [];
  /** Waits for a backend and keeps it for closeAll(). */
  readonly add = async (b: Promise<Backend>): Promise<Backend> => {
    const started = await b;
    this.started.push(started);
    return started;
  };
  closeAll(): Promise<void[]> { return Promise.all(this.started.map((b) => b.close())); }
}

/** Writes a route and waits until the router's table holds it. */
export async function publishRoute(redis: RedisHandle, router: RunningRouter, app: string, upstreams: string[]): Promise<void> {
  await setRoute(redis, { app, upstreams, release: 'v1' });
  await router.synced(app);
}

export interface Backend {
  readonly server: http.Server;
  readonly upstream: string;
  readonly requests: http.IncomingMessage[];
  /** The router-side port of each request's connection, read while it is open. */
  readonly clientPorts: number[];
  close(): Promise<void>;
}

export async function startBackend(handler: http.RequestListener): Promise<Backend> {
  const requests: http.IncomingMessage[] = [];
  const clientPorts: number[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    clientPorts.push(req.socket.remotePort ?? -1);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    server,
    upstream: `127.0.0.1:${port}`,
    requests,
    clientPorts,
    async close() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A backend that answers with its own name, so tests can see who served. */
export const namedBackend = (name: string) => startBackend((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`${name} ${req.method} ${req.url}`);
});

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export function request(port: number, host: string, opts: { path?: string; method?: string; headers?: http.OutgoingHttpHeaders; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: opts.path ?? '/', method: opts.method ?? 'GET',
      headers: { ...opts.headers, host }, agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('test request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Repeats a request until `ok` holds, for changes that arrive over pub/sub. */
export async function eventually(port: number, host: string, ok: (r: Reply) => boolean, withinMs = 3000): Promise<Reply> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const reply = await request(port, host);
    if (ok(reply)) return reply;
    if (Date.now() > deadline) throw new Error(`no matching reply from ${host} within ${withinMs} ms; last: ${reply.status} ${reply.body.slice(0, 200)}`);
    await sleep(25);
  }
}

/** Raw bytes in, raw bytes out (until the server closes or `ms` pass). */
export function rawRequest(port: number, data: string, ms = 3000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => { s.destroy(); resolve(got); }, ms);
    s.on('data', (d: Buffer) => { got += d.toString(); });
    s.on('close', () => { clearTimeout(timer); resolve(got); });
    s.on('error', () => {});
    s.write(data);
  });
}
