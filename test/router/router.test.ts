import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRouter, type RunningRouter } from '../../src/router/index.js';
import { setRoute, deleteRoute, routesKey } from '../../src/store/routes.js';
import {
  startTestRedis, startBackend, namedBackend, request, rawRequest, eventually, randomApp, freePort,
  type TestRedis, type Reply, BackendPool, publishRoute } from './helpers.js';

const DOMAIN = 'berth.test';
const TIMEOUT_MS = 500;
const hostOf = (app: string) => `${app}.${DOMAIN}`;

let redis: TestRedis;
let router: RunningRouter;
const logLines: string[] = [];
const backends = new BackendPool();
const upgradedSockets = new Set<Duplex>();

const backend = backends.add;
const route = (app: string, upstreams: string[]) => publishRoute(redis.handle, router, app, upstreams);

async function redisReads(): Promise<number> {
  const info = await redis.handle.client.info('commandstats');
  let calls = 0;
  for (const m of info.matchAll(/^cmdstat_(hget|hmget|hgetall):calls=(\d+)/gm)) calls += Number(m[2]);
  return calls;
}

before(async () => {
  redis = await startTestRedis();
  router = await startRouter({
    redis: redis.handle, domain: DOMAIN, port: 0, host: '127.0.0.1', upstreamTimeoutMs: TIMEOUT_MS,
    log: (line) => logLines.push(line),
  });
});

after(async () => {
  await router?.close();
  for (const s of upgradedSockets) s.destroy();
  await backends.closeAll();
  await redis?.stop();
});

describe('routing', () => {
  test('a route written before start is served (initial full load)', async () => {
    const app = randomApp();
    const early = await backend(namedBackend('early'));
    await setRoute(redis.handle, { app, upstreams: [early.upstream], release: 'v1' });
    const second = await startRouter({ redis: redis.handle, domain: DOMAIN, port: 0, host: '127.0.0.1', upstreamTimeoutMs: TIMEOUT_MS, log: () => {} });
    try {
      const reply = await request(second.port, hostOf(app));
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'early GET /');
    } finally {
      await second.close();
    }
  });

  test('the Host header picks the app, in any spelling, and the body comes back', async () => {
    const [one, two] = [randomApp(), randomApp()];
    const a = await backend(namedBackend('A'));
    const b = await backend(namedBackend('B'));
    await route(one, [a.upstream]);
    await route(two, [b.upstream]);
    const r1 = await request(router.port, hostOf(one), { path: '/x?y=1' });
    assert.equal(r1.status, 200);
    assert.equal(r1.body, 'A GET /x?y=1');
    const r2 = await request(router.port, `${two.toUpperCase()}.Berth.Test.:8080`);
    assert.equal(r2.body, 'B GET /');
  });

  test('a request body reaches the app', async () => {
    const app = randomApp();
    const echo = await backend(startBackend((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(`got ${req.method} ${Buffer.concat(chunks).toString()}`));
    }));
    await route(app, [echo.upstream]);
    const reply = await request(router.port, hostOf(app), { method: 'POST', body: 'x'.repeat(100_000) });
    assert.equal(reply.body, `got POST ${'x'.repeat(100_000)}`);
  });

  test('round-robins over the upstreams of an app', async () => {
    const app = randomApp();
    const a = await backend(namedBackend('A'));
    const b = await backend(namedBackend('B'));
    await route(app, [a.upstream, b.upstream]);
    const served: string[] = [];
    for (let i = 0; i < 6; i++) served.push((await request(router.port, hostOf(app))).body.split(' ')[0]!);
    assert.equal(new Set(served).size, 2, `both upstreams serve: ${served}`);
    for (let i = 1; i < served.length; i++) assert.notEqual(served[i], served[i - 1], `alternates: ${served}`);
  });

  test('reuses upstream connections (keep-alive agent)', async () => {
    const app = randomApp();
    const a = await backend(namedBackend('A'));
    await route(app, [a.upstream]);
    // The test client says `Connection: close`; that is for its own hop only.
    for (let i = 0; i < 5; i++) {
      const reply = await request(router.port, hostOf(app));
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.connection, 'close', 'the client hop follows the client');
    }
    assert.equal(a.clientPorts.length, 5);
    assert.ok(a.clientPorts.every((p) => p > 0));
    const ports = new Set(a.clientPorts);
    assert.equal(ports.size, 1, 'five sequential requests share one upstream connection');
  });
});

describe('router pages', () => {
  const assertPage = (reply: { status: number; headers: Record<string, unknown> }, status: number) => {
    assert.equal(reply.status, status);
    assert.equal(reply.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(reply.headers['cache-control'], 'no-store');
    assert.ok(reply.headers['x-request-id'], 'pages carry a request id');
  };

  test('404 for an unknown app, a foreign domain and a nested label', async () => {
    const app = randomApp();
    const r = await request(router.port, hostOf(app));
    assertPage(r, 404);
    assert.match(r.body, new RegExp(`No app is deployed at ${app}\\.berth\\.test`));
    assert.match(r.body, /git push/);
    assert.match(r.body, /berth apps/);
    assert.equal((await request(router.port, 'example.com')).status, 404);
    assert.equal((await request(router.port, `a.${app}.${DOMAIN}`)).status, 404);
    assert.equal((await request(router.port, DOMAIN)).status, 404);
  });

  test('404 page escapes the host', async () => {
    const r = await request(router.port, '"><script>alert(1)</script>');
    assertPage(r, 404);
    assert.ok(!r.body.includes('<script>alert'), 'raw markup from the Host header must not appear');
    assert.match(r.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  test('503 when the app has no upstreams', async () => {
    const app = randomApp();
    await route(app, []);
    const r = await request(router.port, hostOf(app));
    assertPage(r, 503);
    assert.match(r.body, new RegExp(`${app} has no running web processes`));
  });

  test('502 when the upstream refuses the connection', async () => {
    const app = randomApp();
    const closedPort = await freePort();
    await route(app, [`127.0.0.1:${closedPort}`]);
    const r = await request(router.port, hostOf(app));
    assertPage(r, 502);
    assert.match(r.body, new RegExp(app));
    assert.ok(logLines.some((l) => l.includes(app) && l.includes('ECONNREFUSED')), 'the failure is logged');
  });

  test('502 naming the cause when the upstream answers with something that is not HTTP', async () => {
    const app = randomApp();
    const garbage = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nX-Bad: a\u0001b\r\nContent-Length: 2\r\n\r\nok'));
    });
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    try {
      await route(app, [`127.0.0.1:${(garbage.address() as net.AddressInfo).port}`]);
      const r = await request(router.port, hostOf(app));
      assertPage(r, 502);
      assert.match(r.body, /sent a response that is not valid HTTP \(HPE_\w+\)/);
    } finally {
      garbage.close();
    }
  });

  test('504 when the upstream never answers, and the upstream request is aborted', async () => {
    const app = randomApp();
    let hung: IncomingMessage | undefined;
    const silent = await backend(startBackend((req) => { hung = req; }));
    await route(app, [silent.upstream]);
    const started = Date.now();
    const r = await request(router.port, hostOf(app));
    const took = Date.now() - started;
    assertPage(r, 504);
    assert.ok(took >= TIMEOUT_MS - 50 && took < TIMEOUT_MS + 2000, `answered after ${took} ms`);
    assert.ok(hung, 'the request reached the upstream');
    const deadline = Date.now() + 2000;
    while (!hung.socket.destroyed && Date.now() < deadline) await sleep(20);
    assert.ok(hung.socket.destroyed, 'the router gave up on the upstream connection');
  });
});

describe('route changes', () => {
  test('reach the router over pub/sub, without the router polling Redis', async () => {
    const app = randomApp();
    const a = await backend(namedBackend('A'));
    const b = await backend(namedBackend('B'));
    await setRoute(redis.handle, { app, upstreams: [a.upstream], release: 'v1' });
    await eventually(router.port, hostOf(app), (r) => r.body.startsWith('A '));

    const idleStart = await redisReads();
    await sleep(1200);
    assert.equal(await redisReads(), idleStart, 'no route reads while nothing changes');

    await setRoute(redis.handle, { app, upstreams: [b.upstream], release: 'v2' });
    await eventually(router.port, hostOf(app), (r) => r.body.startsWith('B '));
    assert.equal(await redisReads(), idleStart + 1, 'one change costs one read');

    await deleteRoute(redis.handle, app);
    await eventually(router.port, hostOf(app), (r) => r.status === 404);
  });
});

describe('standby upstreams (the replaced release, during the watch after go-live)', () => {
  test('take no traffic while a live upstream answers', async () => {
    const app = randomApp();
    const live = await backend(namedBackend('live'));
    const standby = await backend(namedBackend('standby'));
    await setRoute(redis.handle, { app, upstreams: [live.upstream], release: 'v2', standby: [standby.upstream] });
    await router.synced(app);
    for (let i = 0; i < 10; i++) assert.equal((await request(router.port, hostOf(app))).body, 'live GET /');
    assert.equal(standby.requests.length, 0);
  });

  test('serve, with no failed request, when the live upstream refuses or the route has none', async () => {
    const app = randomApp();
    const standby = await backend(namedBackend('standby'));
    const dead = `127.0.0.1:${await freePort()}`;
    await setRoute(redis.handle, { app, upstreams: [dead], release: 'v2', standby: [standby.upstream] });
    await router.synced(app);
    // The first request finds the refusal and is retried on the standby; the next ones skip the ejected upstream.
    for (let i = 0; i < 5; i++) assert.equal((await request(router.port, hostOf(app))).body, 'standby GET /');
    // A supervisor's write leaves the standby out: it stays.
    await setRoute(redis.handle, { app, upstreams: [], release: 'v2' });
    await router.synced(app);
    const r = await request(router.port, hostOf(app));
    assert.equal(r.status, 200);
    assert.equal(r.body, 'standby GET /');
    // An empty standby removes it: the app is down again.
    await setRoute(redis.handle, { app, upstreams: [], release: 'v2', standby: [] });
    await router.synced(app);
    assert.equal((await request(router.port, hostOf(app))).status, 503);
  });

  test('without a standby, the refused request still fails (the fallback is what saves it)', async () => {
    const app = randomApp();
    await setRoute(redis.handle, { app, upstreams: [`127.0.0.1:${await freePort()}`], release: 'v2' });
    await router.synced(app);
    assert.equal((await request(router.port, hostOf(app))).status, 502);
  });
});

describe('route changes across a lost subscription', () => {
  test('a change published while the subscriber reconnects is picked up by the resync', async () => {
    const app = randomApp();
    const a = await backend(namedBackend('A'));
    const b = await backend(namedBackend('B'));
    await route(app, [a.upstream]);
    assert.equal((await request(router.port, hostOf(app))).body, 'A GET /');
    // The write below publishes nothing, as if its message were lost while
    // the subscriber was away; only the resync on reconnect can deliver it.
    await redis.handle.client.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await redis.handle.client.hset(routesKey(redis.handle), app, JSON.stringify({ app, upstreams: [b.upstream], release: 'v2', updatedAt: Date.now() }));
    await eventually(router.port, hostOf(app), (r) => r.body.startsWith('B '), 5000);
  });
});

describe('headers', () => {
  test('client X-Forwarded-* are replaced, Host is kept, X-Request-Id is set', async () => {
    const app = randomApp();
    const echo = await backend(startBackend((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.headers));
    }));
    await route(app, [echo.upstream]);
    const host = `${hostOf(app)}:8080`;
    const r = await request(router.port, host, {
      headers: {
        'X-Forwarded-For': '6.6.6.6', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.example',
        'X-Forwarded-Port': '1', Forwarded: 'for=6.6.6.6', 'X-Request-Id': 'bad id, with spaces',
      },
    });
    const seen = JSON.parse(r.body) as Record<string, string>;
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen['x-forwarded-host'], host);
    assert.equal(seen['x-forwarded-port'], '8080');
    assert.equal(seen.forwarded, undefined);
    assert.equal(seen.host, host);
    assert.match(seen['x-request-id']!, /^[0-9a-f-]{36}$/, 'an insane id is replaced by a uuid');
    assert.equal(r.headers['x-request-id'], seen['x-request-id']);

    // Absolute form: the URI's host wins over the Host header, and the app gets origin form.
    const absolute = await rawRequest(router.port,
      `GET http://${hostOf(app)}/p?q=1 HTTP/1.1\r\nHost: nobody.${DOMAIN}\r\nConnection: close\r\n\r\n`);
    assert.match(absolute, /^HTTP\/1\.1 200 /);
    const last = echo.requests.at(-1)!;
    assert.equal(last.url, '/p?q=1');
    assert.equal(last.headers.host, hostOf(app));

    const kept = await request(router.port, hostOf(app), { headers: { 'X-Request-Id': 'trace-0123456789abcdef' } });
    assert.equal((JSON.parse(kept.body) as Record<string, string>)['x-request-id'], 'trace-0123456789abcdef');
    assert.equal(kept.headers['x-request-id'], 'trace-0123456789abcdef');
  });
});

/** Sends a raw upgrade request; resolves with the response head and the socket. */
function rawUpgrade(port: number, host: string, early = ''): Promise<{ head: string; rest: Buffer; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      resolve({ head: buf.subarray(0, end).toString(), rest: buf.subarray(end + 4), socket });
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed before a response head; got ${JSON.stringify(buf.toString())}`)));
    socket.write(`GET /chat HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
      + `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n${early}`);
  });
}

function readUntil(socket: net.Socket, initial: Buffer, want: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = initial.toString();
    if (got.includes(want)) return resolve(got);
    const timer = setTimeout(() => reject(new Error(`wanted ${want}, got ${JSON.stringify(got)}`)), 3000);
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes(want)) { clearTimeout(timer); resolve(got); }
    });
  });
}

describe('websockets', () => {
  test('an upgrade round trip reaches the app and echoes both ways', async () => {
    const app = randomApp();
    let upgradeReq: IncomingMessage | undefined;
    const ws = await backend(startBackend((_req, res) => { res.writeHead(426); res.end(); }));
    ws.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      upgradeReq = req;
      upgradedSockets.add(socket);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      if (head.length) socket.write(head);
      socket.pipe(socket);
    });
    await route(app, [ws.upstream]);
    const { head, rest, socket } = await rawUpgrade(router.port, hostOf(app), 'early-');
    try {
      assert.match(head, /^HTTP\/1\.1 101 /);
      socket.write('late');
      const echoed = await readUntil(socket, rest, 'early-late');
      assert.equal(echoed, 'early-late');
      assert.equal(upgradeReq?.headers.host, hostOf(app));
      assert.equal(upgradeReq?.headers['x-forwarded-for'], '127.0.0.1');
      assert.ok(upgradeReq?.headers['x-request-id']);
    } finally {
      socket.destroy();
    }
  });

  test('an upgrade for an unknown app gets a 404 page', async () => {
    const { head, socket } = await rawUpgrade(router.port, hostOf(randomApp()));
    socket.destroy();
    assert.match(head, /^HTTP\/1\.1 404 /);
    assert.match(head, /content-type: text\/html; charset=utf-8/i);
  });

  test('upgrade clients that reset at once do not crash the router', async () => {
    const down = randomApp();
    await route(down, []);
    for (let i = 0; i < 20; i++) {
      for (const host of [hostOf(randomApp()), hostOf(down)]) {
        const socket = net.connect(router.port, '127.0.0.1');
        socket.on('error', () => {});
        await new Promise((r) => socket.once('connect', r));
        socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n${'x'.repeat(64 * 1024)}`);
        socket.resetAndDestroy();
      }
    }
    await sleep(200);
    assert.equal((await request(router.port, hostOf(down))).status, 503);
  });

  test('an upgrade to a refusing upstream gets a 502 page and the router lives on', async () => {
    const app = randomApp();
    await route(app, [`127.0.0.1:${await freePort()}`]);
    const { head, socket } = await rawUpgrade(router.port, hostOf(app));
    socket.destroy();
    assert.match(head, /^HTTP\/1\.1 502 /);
    const ok = await backend(namedBackend('ok'));
    const other = randomApp();
    await route(other, [ok.upstream]);
    assert.equal((await request(router.port, hostOf(other))).status, 200);
  });
});

describe('informational responses', () => {
  test('103 Early Hints reach the client before the answer; 102 stays on the app hop', async () => {
    const app = randomApp();
    const early = await backend(startBackend((_req, res) => {
      res.writeProcessing();
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      setTimeout(() => res.end('final'), 50);
    }));
    await route(app, [early.upstream]);
    const seen: { status: number; link?: string | string[] }[] = [];
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: router.port, headers: { host: hostOf(app) }, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('information', (info) => seen.push({ status: info.statusCode, link: info.headers.link }));
      req.on('error', reject);
      req.end();
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'final');
    assert.deepEqual(seen, [{ status: 103, link: '</style.css>; rel=preload; as=style' }]);
  });
});

describe('resilience', () => {
  test('an upstream that dies mid-response cuts the client, and the next request works', async () => {
    const app = randomApp();
    const flaky = await backend(startBackend((req, res) => {
      if (req.url !== '/die') return void res.end('fine');
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 50);
    }));
    await route(app, [flaky.upstream]);
    const started = Date.now();
    await assert.rejects(request(router.port, hostOf(app), { path: '/die' }), (err: Error) => {
      assert.notEqual(err.message, 'test request timed out', 'the client must not be left hanging');
      return true;
    });
    assert.ok(Date.now() - started < 3000);
    const next = await request(router.port, hostOf(app));
    assert.equal(next.status, 200);
    assert.equal(next.body, 'fine');
  });

  test('garbage from a client gets a 400 and the router lives on', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(router.port, '127.0.0.1');
      let got = '';
      socket.on('data', (d: Buffer) => { got += d.toString(); });
      socket.on('end', () => resolve(got));
      socket.on('error', reject);
      socket.write('THIS IS NOT HTTP\r\n\x00\x01\r\n\r\n');
    });
    assert.match(reply, /^HTTP\/1\.1 400 /);
    const app = randomApp();
    const ok = await backend(namedBackend('ok'));
    await route(app, [ok.upstream]);
    assert.equal((await request(router.port, hostOf(app))).body, 'ok GET /');
  });

  test('a client that resets mid-request does not hurt the router', async () => {
    const app = randomApp();
    const slow = await backend(startBackend((_req, res) => { setTimeout(() => res.end('late'), 200); }));
    await route(app, [slow.upstream]);
    const socket = net.connect(router.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(`GET / HTTP/1.1\r\nHost: ${hostOf(app)}\r\n\r\n`);
    await sleep(50);
    socket.resetAndDestroy();
    await sleep(300);
    assert.equal((await request(router.port, hostOf(app))).body, 'late');
  });
});
