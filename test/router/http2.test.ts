// HTTP/2 on the router's TLS port (issue 23, item 2), against real sockets,
// curl, node's http2 client and a raw frame writer (h2-raw.ts): ALPN picks
// h2 or HTTP/1.1 on one port; h2 requests reach the app as HTTP/1.1 with the
// same edge headers, pages, metrics and access lines; and the HTTP/2 abuse
// shapes (too many streams, rapid reset, huge header lists, PING floods) are
// refused without harming another client.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRouter, type RunningRouter } from '../../src/router/index.js';
import { DEFAULT_HTTP2 } from '../../src/router/http2-guard.js';
import { readTraffic } from '../../src/store/routes.js';
import { readAppLog } from '../../src/store/app-logs.js';
import type { AppName } from '../../src/shared/app-name.js';
import { startTestRedis, startBackend, namedBackend, randomApp, type TestRedis, BackendPool, publishRoute } from './helpers.js';
import { FRAME, codeName, headersFrame, pingFrame, rawH2, rstFrame } from './h2-raw.js';

const run = promisify(execFile);
const DOMAIN = 'berth.test';
const MAX_STREAMS = 8;
const MAX_RESETS = 50;
const hostOf = (app: string) => `${app}.${DOMAIN}`;

let redis: TestRedis;
let router: RunningRouter;
const backends = new BackendPool();
const sockets = new Set<Duplex>();
const logged: string[] = [];

const backend = backends.add;
const route = (app: string, upstreams: string[]) => publishRoute(redis.handle, router, app, upstreams);

interface CurlReply { readonly version: string; readonly status: number; readonly head: string; readonly body: string }

/** curl over TLS to the router, resolving `host` to loopback; `-w` reports the HTTP version it negotiated. */
async function curl(host: string, args: readonly string[], urlPath = '/'): Promise<CurlReply> {
  const port = router.tlsPort!;
  const { stdout } = await run('curl', ['-sk', '-D', '-', '--resolve', `${host}:${port}:127.0.0.1`, '-w', '\n%{http_version} %{http_code}', ...args, `https://${host}:${port}${urlPath}`], { timeout: 20_000 });
  const tail = stdout.lastIndexOf('\n');
  const [version, status] = stdout.slice(tail + 1).split(' ');
  const rest = stdout.slice(0, tail);
  const split = rest.indexOf('\r\n\r\n');
  return { version: version!, status: Number(status), head: rest.slice(0, split), body: rest.slice(split + 4) };
}

interface H2Reply { readonly status: number; readonly headers: http2.IncomingHttpHeaders; readonly body: string; readonly rstCode?: number }

/** One request on a session of node's own client; resolves with the answer or the stream's reset code. */
function h2Request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string[]): Promise<H2Reply> {
  return new Promise((resolve) => {
    const req = session.request(headers, { endStream: body === undefined });
    let status = 0;
    let got: http2.IncomingHttpHeaders = {};
    let data = '';
    req.on('response', (h) => { got = h; status = Number(h[':status']); });
    req.on('data', (d: Buffer) => { data += d; });
    req.on('error', () => {});
    req.on('close', () => resolve({ status, headers: got, body: data, rstCode: req.rstCode }));
    if (body) { for (const chunk of body) req.write(chunk); req.end(); }
  });
}

const connect = (host: string) => {
  const session = http2.connect(`https://127.0.0.1:${router.tlsPort}`, { servername: host, rejectUnauthorized: false });
  session.on('error', () => {});
  return session;
};

/** A request on a fresh session of its own: another client, for "unharmed" checks. */
async function otherClient(host: string): Promise<H2Reply> {
  const s = connect(host);
  try {
    return await h2Request(s, { ':path': '/other', ':authority': host });
  } finally {
    s.close();
  }
}

before(async () => {
  redis = await startTestRedis();
  router = await startRouter({
    redis: redis.handle, domain: DOMAIN, port: 0, host: '127.0.0.1', tlsPort: 0, upstreamTimeoutMs: 3000,
    limits: {
      headersTimeoutMs: 1000, requestTimeoutMs: 1500, keepAliveTimeoutMs: 5000,
      http2: { ...DEFAULT_HTTP2, maxConcurrentStreams: MAX_STREAMS, maxResetsPerSec: MAX_RESETS },
    },
    traffic: { flushMs: 200 },
    log: (line) => logged.push(line),
  });
});

after(async () => {
  await router?.close();
  for (const s of sockets) s.destroy();
  await backends.closeAll();
  await redis?.stop();
});

describe('h2 beside HTTP/1.1 on the TLS port', () => {
  test('curl --http2 negotiates h2 and gets the app\'s answer, with the edge headers on both sides', async () => {
    const app = randomApp();
    const b = await backend(namedBackend('h2-app'));
    await route(app, [b.upstream]);
    const r = await curl(hostOf(app), ['--http2', '-H', 'X-Forwarded-For: 6.6.6.6', '-H', 'X-Request-Id: trace-12345678'], '/a?b=1');
    assert.equal(r.version, '2', 'curl negotiated HTTP/2');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'h2-app GET /a?b=1');
    assert.match(r.head, /^x-request-id: trace-12345678$/m, 'the request id comes back');
    const seen = b.requests[0]!;
    assert.equal(seen.httpVersion, '1.1', 'the app is spoken to in HTTP/1.1');
    assert.equal(seen.headers.host, `${hostOf(app)}:${router.tlsPort}`, 'Host is the :authority');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'a client\'s own X-Forwarded-For is dropped');
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
    assert.equal(seen.headers['x-forwarded-host'], `${hostOf(app)}:${router.tlsPort}`);
    assert.equal(seen.headers['x-forwarded-port'], String(router.tlsPort));
    assert.equal(seen.headers['x-request-id'], 'trace-12345678');
    assert.ok(!seen.rawHeaders.some((h) => h.startsWith(':')), `no pseudo header reaches the app: ${seen.rawHeaders.join(' ')}`);
  });

  test('HTTP/1.1 still works on the same port (curl --http1.1 and a client without ALPN)', async () => {
    const app = randomApp();
    const b = await backend(namedBackend('h1-app'));
    await route(app, [b.upstream]);
    const r = await curl(hostOf(app), ['--http1.1']);
    assert.equal(r.version, '1.1');
    assert.equal(r.body, 'h1-app GET /');
    const noAlpn = await new Promise<{ status: number; body: string; alpn: string | false }>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: router.tlsPort, servername: hostOf(app), headers: { host: hostOf(app) }, rejectUnauthorized: false, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, alpn: (res.socket as tls.TLSSocket).alpnProtocol ?? false }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(noAlpn.status, 200);
    assert.equal(noAlpn.body, 'h1-app GET /');
    assert.equal(noAlpn.alpn, false);
  });

  test('HTTP/1.1 limits still hold on the TLS port: a head over 16 KiB gets 431, a malformed one 400', async () => {
    const app = randomApp();
    await route(app, [(await backend(namedBackend('x'))).upstream]);
    const big = await curl(hostOf(app), ['--http1.1', '-H', `X-Big: ${'a'.repeat(20_000)}`]);
    assert.equal(big.status, 431);
    const raw = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: router.tlsPort!, servername: hostOf(app), ALPNProtocols: ['http/1.1'], rejectUnauthorized: false }, () => {
        s.write(`POST / HTTP/1.1\r\nHost: ${hostOf(app)}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
      });
      let got = '';
      s.on('data', (d: Buffer) => { got += d; });
      s.on('error', () => {});
      s.on('close', () => resolve(got));
      setTimeout(() => s.destroy(), 3000);
    });
    assert.match(raw, /^HTTP\/1\.1 400 /);
  });

  test('a websocket over HTTP/1.1 on the TLS port is tunnelled', async () => {
    const app = randomApp();
    const echo = await backend(startBackend((_req, res) => { res.writeHead(426); res.end(); }));
    echo.server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.pipe(socket);
    });
    await route(app, [echo.upstream]);
    const got = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: router.tlsPort!, servername: hostOf(app), ALPNProtocols: ['h2', 'http/1.1'], rejectUnauthorized: false }, () => {
        // A browser offers h2 too and opens websockets on an HTTP/1.1 connection of their own.
        assert.equal(s.alpnProtocol, 'h2');
        s.destroy();
        const ws = tls.connect({ host: '127.0.0.1', port: router.tlsPort!, servername: hostOf(app), ALPNProtocols: ['http/1.1'], rejectUnauthorized: false }, () => {
          ws.write(`GET /ws HTTP/1.1\r\nHost: ${hostOf(app)}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
        });
        sockets.add(ws);
        let text = '';
        ws.on('error', () => {});
        ws.on('data', (d: Buffer) => {
          text += d;
          if (text.includes('\r\n\r\n') && !text.includes('ping-over-tls')) ws.write('ping-over-tls');
          if (text.includes('ping-over-tls')) { ws.destroy(); resolve(text); }
        });
        setTimeout(() => { ws.destroy(); resolve(text); }, 5000);
      });
      s.on('error', () => resolve('tls error'));
    });
    assert.match(got, /^HTTP\/1\.1 101 /);
    assert.match(got, /ping-over-tls$/, 'bytes echo through the tunnel');
  });

  test('an unknown :authority gets the same 404 page as an unknown Host; a Host that contradicts :authority gets 400', async () => {
    const unknown = `nobody-${randomApp()}.${DOMAIN}`;
    const h2 = await curl(unknown, ['--http2']);
    const h1 = await curl(unknown, ['--http1.1']);
    assert.equal(h2.version, '2');
    assert.equal(h2.status, 404);
    assert.equal(h1.status, 404);
    const strip = (s: string) => s.replace(/Request ID: [^<]+/, '');
    assert.equal(strip(h2.body), strip(h1.body), 'the same page');
    assert.match(h2.body, /No app is deployed at/);

    const app = randomApp();
    const b = await backend(namedBackend('x'));
    await route(app, [b.upstream]);
    const s = connect(hostOf(app));
    const r = await h2Request(s, { ':path': '/', ':authority': hostOf(app), host: 'other.example' });
    s.close();
    assert.equal(r.status, 400);
    assert.match(r.body, /names another host than its :authority/);
    assert.equal(b.requests.length, 0, 'the app saw nothing');
  });

  test('bodies without Content-Length, split cookies and an app\'s doubled or connection-specific response headers', async () => {
    const app = randomApp();
    const b = await backend(startBackend((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        // Duplicates of a single-value field, and hop-by-hop ones, that node would throw on in an HTTP/2 head.
        res.writeHead(201, [['Content-Type', 'text/plain'], ['Content-Type', 'text/html'], ['Keep-Alive', 'timeout=5'], ['Connection', 'keep-alive'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']]);
        res.end(`${req.method} ${body} cookie=${req.headers.cookie}`);
      });
    }));
    await route(app, [b.upstream]);
    const s = connect(hostOf(app));
    const r = await h2Request(s, { ':method': 'POST', ':path': '/up', ':authority': hostOf(app), cookie: ['x=1', 'y=2'] }, ['part1-', 'part2']);
    s.close();
    assert.equal(r.status, 201);
    assert.equal(r.body, 'POST part1-part2 cookie=x=1; y=2');
    assert.equal(r.headers['content-type'], 'text/plain', 'the first of two Content-Types');
    assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(r.headers.connection, undefined);
    assert.equal(r.headers['keep-alive'], undefined);
    assert.equal(b.requests[0]!.headers['transfer-encoding'], 'chunked', 'a body of unknown length goes chunked');
  });

  test('h2 requests count in the metrics and the access log like HTTP/1.1 ones; the router\'s own pages too', async () => {
    const app = randomApp();
    const slow = await backend(startBackend((req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('late'), 5000);
      else res.end('ok');
    }));
    await route(app, [slow.upstream]);
    const s = connect(hostOf(app));
    assert.equal((await h2Request(s, { ':path': '/fine', ':authority': hostOf(app) })).status, 200);
    const t = await h2Request(s, { ':path': '/slow', ':authority': hostOf(app) });
    assert.equal(t.status, 504, 'the upstream timeout\'s page');
    assert.match(t.body, /did not answer within 3 s/);
    s.close();
    await router.flushTraffic();
    const [m] = await readTraffic(redis.handle, app);
    assert.ok(m);
    assert.equal(m.statuses['2xx'], 1);
    assert.equal(m.statuses['5xx'], 1);
    const lines = await readAppLog(redis.handle, app as AppName, 10);
    assert.equal(lines.length, 2);
    assert.match(lines[0]!.line, /^at=info method=GET path="\/fine" host=\S+ request_id=\S+ fwd="127\.0\.0\.1" upstream=\S+ service=\d+ms status=200 bytes=2 protocol=https$/);
    assert.match(lines[1]!.line, /^at=error .*status=504/);
  });

  test('an h2 request body that does not arrive within the request timeout gets 408', async () => {
    const app = randomApp();
    const b = await backend(startBackend((req, res) => { req.resume(); req.on('end', () => res.end('done')); }));
    await route(app, [b.upstream]);
    const s = connect(hostOf(app));
    const started = Date.now();
    const r = await new Promise<H2Reply>((resolve) => {
      const req = s.request({ ':method': 'POST', ':path': '/', ':authority': hostOf(app) }, { endStream: false });
      req.write('never finished');
      let status = 0;
      let body = '';
      req.on('response', (h) => { status = Number(h[':status']); });
      req.on('data', (d: Buffer) => { body += d; });
      req.on('error', () => {});
      req.on('close', () => resolve({ status, headers: {}, body, rstCode: req.rstCode }));
    });
    s.destroy();
    assert.equal(r.status, 408, `got ${r.status} (reset ${r.rstCode})`);
    assert.match(r.body, /did not arrive in time/);
    assert.ok(Date.now() - started < 5000);
  });
});

describe('HTTP/2 abuse', () => {
  test(`a client\'s streams beyond the cap (${MAX_STREAMS}) wait their turn; the app never holds more; another client is served meanwhile`, async () => {
    const app = randomApp();
    let inFlight = 0;
    let most = 0;
    const b = await backend(startBackend((req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      const done = () => { inFlight--; res.end('ok'); };
      if (req.url === '/other') done();
      else setTimeout(done, 300);
    }));
    await route(app, [b.upstream]);
    const s = connect(hostOf(app));
    // Once it knows the server's SETTINGS, nghttp2's client (node's, curl's, h2load's), like a browser, queues what they do not allow yet.
    await new Promise((r) => s.once('remoteSettings', r));
    const all = Array.from({ length: 3 * MAX_STREAMS }, (_, i) => h2Request(s, { ':path': `/slow${i}`, ':authority': hostOf(app) }));
    await sleep(100);
    const other = await otherClient(hostOf(app));
    const replies = await Promise.all(all);
    s.close();
    assert.equal(other.status, 200, 'another client is served while the cap is reached');
    assert.deepEqual(replies.map((r) => r.status), replies.map(() => 200), 'every queued request is answered');
    assert.ok(most <= MAX_STREAMS + 1, `the app held at most the cap (+ the other client), got ${most}`);
  });

  test('a client that ignores the cap loses its connection; the app never holds more than the cap', async () => {
    const app = randomApp();
    const b = await backend(startBackend((req, res) => { setTimeout(() => res.end('ok'), req.url === '/other' ? 0 : 800); }));
    await route(app, [b.upstream]);
    const raw = await rawH2(router.tlsPort!, hostOf(app));
    await raw.waitFor((f) => f.type === FRAME.SETTINGS && (f.flags & 1) === 1);
    // All in one write, past the SETTINGS_MAX_CONCURRENT_STREAMS it acknowledged (RFC 9113 §5.1.2 makes that a protocol error).
    raw.write(...Array.from({ length: 30 }, (_, i) => headersFrame(1 + 2 * i, hostOf(app), '/slow')));
    await Promise.race([raw.closed, sleep(5000)]);
    assert.ok(raw.isClosed(), 'the server closed the connection');
    assert.equal(raw.frames.filter((f) => f.type === FRAME.HEADERS).length, 0, 'no stream was answered');
    assert.ok(b.requests.length <= MAX_STREAMS, `at most ${MAX_STREAMS} reached the app, got ${b.requests.length}`);
    assert.equal((await otherClient(hostOf(app))).status, 200);
  });

  test('a rapid-reset client (node\'s client: request, then close with CANCEL, in a loop) is told to go away; others are served throughout', async () => {
    const app = randomApp();
    const b = await backend(startBackend((req, res) => { setTimeout(() => res.end('ok'), req.url === '/other' ? 0 : 100); }));
    await route(app, [b.upstream]);
    const before = router.http2ResetRefusals();
    const s = connect(hostOf(app));
    await new Promise((r) => s.once('remoteSettings', r));
    let sent = 0;
    const deadline = Date.now() + 3000;
    const others: Promise<H2Reply>[] = [];
    while (Date.now() < deadline && !s.closed && !s.destroyed && router.http2ResetRefusals() === before) {
      for (let i = 0; i < 50; i++, sent++) {
        const req = s.request({ ':path': `/r${sent}`, ':authority': hostOf(app) });
        req.on('error', () => {});
        req.close(http2.constants.NGHTTP2_CANCEL);
      }
      if (sent % 500 === 0) others.push(otherClient(hostOf(app)));
      await new Promise((r) => setImmediate(r));
    }
    // node 20's client, busy flooding, does not surface the GOAWAY (the raw test below reads it off the wire);
    // what it sees is a session that answers nothing more.
    const after = await Promise.race([h2Request(s, { ':path': '/after', ':authority': hostOf(app) }), sleep(2000).then(() => undefined)]);
    s.destroy();
    assert.equal(router.http2ResetRefusals(), before + 1, `the router sent GOAWAY after ${sent} resets`);
    assert.ok(logged.some((l) => new RegExp(`reset over ${MAX_RESETS} streams in a second; sent GOAWAY`).test(l)));
    assert.notEqual(after?.status, 200, 'the session serves nothing more');
    for (const o of await Promise.all(others)) assert.equal(o.status, 200);
    assert.equal((await otherClient(hostOf(app))).status, 200, 'the router serves other clients after');
    const reached = b.requests.filter((r) => r.url !== '/other').length;
    assert.ok(reached <= MAX_RESETS + MAX_STREAMS, `at most the bound reached the app: ${reached} of ${sent}`);
  });

  test('HEADERS and RST_STREAM in one write, raw: GOAWAY ENHANCE_YOUR_CALM on the wire after the bound, and the app saw at most the bound', async () => {
    const app = randomApp();
    const b = await backend(namedBackend('x'));
    await route(app, [b.upstream]);
    const raw = await rawH2(router.tlsPort!, hostOf(app));
    await raw.waitFor((f) => f.type === FRAME.SETTINGS);
    let sent = 0;
    for (let id = 1, batch = 0; batch < 20 && !raw.isClosed(); batch++) {
      const frames: Buffer[] = [];
      for (let i = 0; i < 20; i++, id += 2, sent++) frames.push(headersFrame(id, hostOf(app), `/${id}`), rstFrame(id));
      raw.write(...frames);
      await sleep(10);
    }
    const g = await raw.waitFor((f) => f.type === FRAME.GOAWAY);
    await Promise.race([raw.closed, sleep(3000)]);
    const closed = raw.isClosed();
    raw.destroy();
    assert.ok(g, 'a GOAWAY came');
    assert.equal(codeName(raw.goawayCode()!), 'ENHANCE_YOUR_CALM');
    assert.ok(closed, 'and the connection was closed');
    assert.ok(b.requests.length <= MAX_RESETS, `at most the bound reached the app: ${b.requests.length} of ${sent}`);
  });

  test('an oversized header list is refused and never reaches the app; the session goes on', async () => {
    const app = randomApp();
    const b = await backend(namedBackend('x'));
    await route(app, [b.upstream]);
    const s = connect(hostOf(app));
    const big = await h2Request(s, { ':path': '/', ':authority': hostOf(app), 'x-big': 'a'.repeat(20_000) });
    const many = await h2Request(s, Object.fromEntries([[':path', '/'], [':authority', hostOf(app)], ...Array.from({ length: 300 }, (_, i) => [`x-h${i}`, 'v'])]));
    const sameSession = !(s.closed || s.destroyed);
    const fine = sameSession ? await h2Request(s, { ':path': '/ok', ':authority': hostOf(app) }) : await otherClient(hostOf(app));
    s.close();
    assert.ok(big.status === 431 || big.rstCode === http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, `refused: status ${big.status}, reset ${big.rstCode}`);
    assert.ok(many.status === 431 || many.rstCode === http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, `300 headers refused: status ${many.status}, reset ${many.rstCode}`);
    assert.equal(fine.status, 200);
    assert.ok(sameSession, 'the session survives a refused stream');
    assert.deepEqual(b.requests.map((r) => r.url), ['/ok'], 'the app saw only the good request');
  });

  test('a PING flood from a client that never reads is cut off; another client is served', async () => {
    const app = randomApp();
    await route(app, [(await backend(namedBackend('x'))).upstream]);
    const raw = await rawH2(router.tlsPort!, hostOf(app));
    await raw.waitFor((f) => f.type === FRAME.SETTINGS);
    raw.socket.pause();
    const ping = pingFrame();
    const started = Date.now();
    while (!raw.isClosed() && Date.now() - started < 10_000) {
      raw.write(Buffer.concat(Array.from({ length: 1000 }, () => ping)));
      await sleep(5);
    }
    const closed = raw.isClosed();
    raw.destroy();
    assert.ok(closed, 'the server closed the flooding connection');
    assert.equal((await otherClient(hostOf(app))).status, 200);
  });
});
