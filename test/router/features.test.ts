// Router behaviours beyond plain routing, against real sockets and a real
// Redis (no Docker): replicas and passive health, draining, websockets across
// route changes, custom domains, TLS with SNI, header hygiene, limits and
// request smuggling, metrics and access lines, ACME challenge answers.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRouter, type RunningRouter } from '../../src/router/index.js';
import { setRoute, readTraffic, waitForDrain } from '../../src/store/routes.js';
import { addDomain, removeDomain } from '../../src/store/domains.js';
import { certFacts, putCert, putChallenge, setTlsSettings } from '../../src/store/certs.js';
import { readAppLog } from '../../src/store/app-logs.js';
import { prometheusText } from '../../src/api/routes/metrics.js';
import type { AppName } from '../../src/shared/app-name.js';
import {
  startTestRedis, startBackend, namedBackend, request, rawRequest, randomApp, freePort, type TestRedis, type Backend, BackendPool, publishRoute } from './helpers.js';

const DOMAIN = 'berth.test';
const DRAIN_MS = 400;
const hostOf = (app: string) => `${app}.${DOMAIN}`;

let redis: TestRedis;
let router: RunningRouter;
const backends = new BackendPool();
const sockets = new Set<Duplex>();
let certDir: string;

const backend = backends.add;
const route = (app: string, upstreams: string[]) => publishRoute(redis.handle, router, app, upstreams);

/** A self-signed certificate and key for these names, made with openssl. */
function makeCert(name: string, ...alt: string[]): { cert: string; key: string } {
  const base = path.join(certDir, name.replace(/\*/g, 'star'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30',
    '-keyout', `${base}.key`, '-out', `${base}.crt`, '-subj', `/CN=${name}`, '-addext', `subjectAltName=${[name, ...alt].map((n) => `DNS:${n}`).join(',')}`,
  ], { stdio: 'ignore' });
  return { cert: readFileSync(`${base}.crt`, 'utf8'), key: readFileSync(`${base}.key`, 'utf8') };
}

/** An HTTPS request with SNI; resolves with the status, body and the names of the certificate served. */
function httpsGet(port: number, servername: string, reqPath = '/'): Promise<{ status: number; body: string; certNames: string; headers: IncomingMessage['headers'] }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: reqPath, servername, headers: { host: servername }, rejectUnauthorized: false, agent: false }, (res) => {
      const peer = (res.socket as tls.TLSSocket).getPeerCertificate();
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, certNames: peer.subjectaltname ?? '', headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  certDir = mkdtempSync(path.join(tmpdir(), 'berth-router-certs-'));
  redis = await startTestRedis();
  router = await startRouter({
    redis: redis.handle, domain: DOMAIN, port: 0, host: '127.0.0.1', tlsPort: 0, upstreamTimeoutMs: 1500, drainMs: DRAIN_MS,
    limits: { headersTimeoutMs: 1000, requestTimeoutMs: 3000, ejectMs: 5000 },
    traffic: { flushMs: 200 },
    log: () => {},
  });
});

after(async () => {
  await router?.close();
  for (const s of sockets) s.destroy();
  await backends.closeAll();
  await redis?.stop();
  rmSync(certDir, { recursive: true, force: true });
});

describe('replicas and passive health', () => {
  test('a replica refusing connections is retried elsewhere and ejected; no GET fails', async () => {
    const app = randomApp();
    const alive = await backend(namedBackend('alive'));
    const dead = `127.0.0.1:${await freePort()}`;
    await route(app, [dead, alive.upstream]);
    for (let i = 0; i < 10; i++) {
      const r = await request(router.port, hostOf(app));
      assert.equal(r.status, 200, r.body);
      assert.equal(r.body, 'alive GET /');
    }
    assert.equal(alive.requests.length, 10);
  });

  test('a POST with a body is not replayed: it gets a 502 page', async () => {
    const app = randomApp();
    await route(app, [`127.0.0.1:${await freePort()}`]);
    const r = await request(router.port, hostOf(app), { method: 'POST', body: 'once only' });
    assert.equal(r.status, 502);
  });

  test('least busy wins: a replica stuck on a slow request gets fewer new ones', async () => {
    const app = randomApp();
    const slow = await backend(startBackend((req, res) => { setTimeout(() => res.end('slow'), req.url === '/slow' ? 600 : 0); }));
    const fast = await backend(namedBackend('fast'));
    await route(app, [slow.upstream, fast.upstream]);
    const pending = [1, 2, 3].map(() => request(router.port, hostOf(app), { path: '/slow' }));
    await sleep(100);
    const quick = await Promise.all([1, 2, 3, 4].map(() => request(router.port, hostOf(app))));
    await Promise.all(pending);
    assert.ok(quick.filter((r) => r.body.startsWith('fast')).length >= 3, quick.map((r) => r.body).join(','));
  });
});

describe('draining', () => {
  test('waitForDrain returns once the requests on a retired replica finished, or at its timeout', async () => {
    const app = randomApp();
    const old = await backend(startBackend((_req, res) => { setTimeout(() => res.end('old'), 700); }));
    const next = await backend(namedBackend('new'));
    await route(app, [old.upstream]);
    const inFlight = request(router.port, hostOf(app));
    await sleep(100);
    await setRoute(redis.handle, { app, upstreams: [next.upstream], release: 'v2' });
    const waited = await waitForDrain(redis.handle, [old.upstream], { graceMs: 100, timeoutMs: 5000, pollMs: 20 });
    assert.equal(waited.drained, true);
    assert.ok(waited.waitedMs >= 450, `waited ${waited.waitedMs} ms for a request with ~600 ms left`);
    assert.equal((await inFlight).body, 'old');
    const idle = await waitForDrain(redis.handle, [next.upstream], { graceMs: 50, timeoutMs: 5000 });
    assert.ok(idle.drained && idle.waitedMs < 500, 'nothing in flight: only the grace');

    const stuck = await backend(startBackend(() => { /* never answers */ }));
    await route(app, [stuck.upstream]);
    const hung = request(router.port, hostOf(app)).catch(() => undefined);
    await sleep(100);
    await setRoute(redis.handle, { app, upstreams: [next.upstream], release: 'v3' });
    const capped = await waitForDrain(redis.handle, [stuck.upstream], { graceMs: 50, timeoutMs: 400 });
    assert.equal(capped.drained, false);
    await hung;
  });

  test('a request in flight on a replica that leaves the route completes', async () => {
    const app = randomApp();
    const old = await backend(startBackend((_req, res) => { setTimeout(() => res.end('old finished'), 500); }));
    const next = await backend(namedBackend('new'));
    await route(app, [old.upstream]);
    const inFlight = request(router.port, hostOf(app));
    await sleep(100);
    await route(app, [next.upstream]);
    assert.equal((await request(router.port, hostOf(app))).body, 'new GET /');
    const r = await inFlight;
    assert.equal(r.status, 200);
    assert.equal(r.body, 'old finished');
  });
});

/** A websocket-ish echo backend: 101, then echoes bytes. */
async function echoBackend(name: string): Promise<Backend> {
  const b = await backend(startBackend((_req, res) => { res.writeHead(426); res.end(); }));
  b.server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Backend: ${name}\r\n\r\n`);
    socket.pipe(socket);
  });
  return b;
}

function openWs(port: number, host: string): Promise<{ socket: net.Socket; head: string; closed: Promise<{ at: number; tail: Buffer }> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    sockets.add(socket);
    let buf = Buffer.alloc(0);
    let head = '';
    const closed = new Promise<{ at: number; tail: Buffer }>((done) => socket.once('close', () => done({ at: Date.now(), tail: buf })));
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!head && buf.includes('\r\n\r\n')) {
        const end = buf.indexOf('\r\n\r\n');
        head = buf.subarray(0, end).toString();
        buf = buf.subarray(end + 4);
        resolve({ socket, head, closed });
      }
    });
    socket.on('error', reject);
    socket.write(`GET /ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  });
}

async function echoes(socket: net.Socket, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    const onData = (d: Buffer) => { if (d.toString().includes(text)) { socket.off('data', onData); resolve(true); } };
    socket.on('data', onData);
    socket.write(text);
    setTimeout(() => { socket.off('data', onData); resolve(false); }, 1000);
  });
}

describe('websockets across route changes', () => {
  test('survive changes to other apps; close cleanly after the drain time when their replica leaves', async () => {
    const [app, other] = [randomApp(), randomApp()];
    const a = await echoBackend('a');
    const b = await echoBackend('b');
    await route(app, [a.upstream]);
    await route(other, [b.upstream]);
    const ws = await openWs(router.port, hostOf(app));
    assert.match(ws.head, /^HTTP\/1\.1 101 /);
    await route(other, [a.upstream, b.upstream]);
    await route(other, []);
    assert.ok(await echoes(ws.socket, 'still-here'), 'other apps changing does not touch this websocket');
    await route(app, [a.upstream, b.upstream]);
    assert.ok(await echoes(ws.socket, 'scaled-up'), 'its own app scaling up keeps it');
    const removedAt = Date.now();
    await route(app, [b.upstream]);
    assert.ok(await echoes(ws.socket, 'draining'), 'still open during the drain');
    const { at, tail } = await ws.closed;
    assert.ok(at - removedAt >= DRAIN_MS - 50, `closed after ${at - removedAt} ms, drain is ${DRAIN_MS}`);
    assert.ok(tail.subarray(-4).equals(Buffer.from([0x88, 0x02, 0x03, 0xe9])), 'a close frame 1001 (going away) ends it');
  });
});

describe('websocket failures', () => {
  test('an upgrade the app never answers gets one 504 page', async () => {
    const app = randomApp();
    const silent = await backend(startBackend(() => {}));
    silent.server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => { sockets.add(socket); socket.on('error', () => {}); });
    await route(app, [silent.upstream]);
    const reply = await rawRequest(router.port, `GET /ws HTTP/1.1\r\nHost: ${hostOf(app)}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`, 4000);
    assert.match(reply, /^HTTP\/1\.1 504 /);
    assert.equal(reply.match(/HTTP\/1\.1 /g)?.length, 1, 'exactly one response');
  });
});

describe('custom domains', () => {
  test('exact and wildcard names, longest match first, any spelling; removal gives 404', async () => {
    const [shop, blog, wild] = [randomApp(), randomApp(), randomApp()];
    const s = await backend(namedBackend('shop'));
    const b = await backend(namedBackend('blog'));
    const w = await backend(namedBackend('wild'));
    await route(shop, [s.upstream]);
    await route(blog, [b.upstream]);
    await route(wild, [w.upstream]);
    const zone = `${randomApp()}.example`;
    await addDomain(redis.handle, shop, `www.${zone}`);
    await addDomain(redis.handle, wild, `*.${zone}`);
    await addDomain(redis.handle, blog, `*.blog.${zone}`);
    await router.syncedNames();
    const who = async (host: string) => (await request(router.port, host)).body.split(' ')[0];
    assert.equal(await who(`www.${zone}`), 'shop');
    assert.equal(await who(`WWW.${zone.toUpperCase()}.:8080`), 'shop');
    assert.equal(await who(`api.${zone}`), 'wild');
    assert.equal(await who(`a.b.${zone}`), 'wild');
    assert.equal(await who(`x.blog.${zone}`), 'blog', 'the longer wildcard wins');
    assert.equal((await request(router.port, zone)).status, 404, 'a wildcard does not cover the bare name');
    await removeDomain(redis.handle, shop, `www.${zone}`);
    await router.syncedNames();
    assert.equal(await who(`www.${zone}`), 'wild');
  });
});

describe('TLS', () => {
  test('SNI picks the uploaded certificate; <app>.<domain> gets the self-signed fallback; HTTPS is proxied', async () => {
    const app = randomApp();
    const echo = await backend(startBackend((req, res) => res.end(JSON.stringify(req.headers))));
    await route(app, [echo.upstream]);
    const name = `secure-${randomApp()}.example`;
    await addDomain(redis.handle, app, name);
    const pair = makeCert(name);
    const facts = certFacts(pair.cert);
    await putCert(redis.handle, { id: `${app}:x`, app, ...pair, hostnames: facts.hostnames, notAfter: facts.notAfter, source: 'manual' });
    await router.syncedNames();
    const custom = await httpsGet(router.tlsPort!, name);
    assert.equal(custom.status, 200);
    assert.equal(custom.certNames, `DNS:${name}`);
    const seen = JSON.parse(custom.body) as Record<string, string>;
    assert.equal(seen['x-forwarded-proto'], 'https');
    assert.equal(seen['x-forwarded-port'], '443');
    const own = await httpsGet(router.tlsPort!, hostOf(app));
    assert.equal(own.status, 200);
    assert.match(own.certNames, new RegExp(`DNS:\\*\\.${DOMAIN.replace('.', '\\.')}`));
  });

  test('a certificate never serves a name of another app', async () => {
    const [mine, theirs] = [randomApp(), randomApp()];
    const zone = `${randomApp()}.example`;
    await addDomain(redis.handle, theirs, `www.${zone}`);
    const pair = makeCert(`*.${zone}`);
    const facts = certFacts(pair.cert);
    await putCert(redis.handle, { id: `${mine}:y`, app: mine, ...pair, hostnames: facts.hostnames, notAfter: facts.notAfter, source: 'manual' });
    await router.syncedNames();
    const r = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: router.tlsPort!, servername: `www.${zone}`, rejectUnauthorized: false }, () => {
        resolve(s.getPeerCertificate().subjectaltname ?? '');
        s.destroy();
      });
      s.on('error', reject);
    });
    assert.doesNotMatch(r, new RegExp(zone));
  });

  test('the per-app HTTP -> HTTPS redirect is a 308 to the TLS port', async () => {
    const app = randomApp();
    const ok = await backend(namedBackend('ok'));
    await route(app, [ok.upstream]);
    await setTlsSettings(redis.handle, app, { redirectHttps: true });
    await router.syncedNames();
    const r = await request(router.port, hostOf(app), { path: '/a?b=1' });
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, `https://${hostOf(app)}:${router.tlsPort}/a?b=1`);
    assert.equal((await httpsGet(router.tlsPort!, hostOf(app))).status, 200, 'HTTPS itself is served');
  });

  test('a websocket to an HTTPS-only app over plain HTTP gets the same 308 and is never tunnelled; over HTTPS it is', async () => {
    const app = randomApp();
    let upgrades = 0;
    const echo = await echoBackend('ws');
    echo.server.on('upgrade', () => { upgrades++; });
    await route(app, [echo.upstream]);
    await setTlsSettings(redis.handle, app, { redirectHttps: true });
    await router.syncedNames();
    const ws = await openWs(router.port, hostOf(app));
    assert.match(ws.head, /^HTTP\/1\.1 308 /);
    assert.match(ws.head, new RegExp(`\r\nLocation: https://${hostOf(app)}:${router.tlsPort}/ws\r\n`, 'i'));
    const closed = await Promise.race([ws.closed, sleep(3000).then(() => undefined)]);
    assert.ok(closed, 'the router closes the connection after the redirect');
    assert.equal(upgrades, 0, 'the app never saw the upgrade');
    // Over HTTPS the same upgrade reaches the app.
    const secure = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: router.tlsPort!, servername: hostOf(app), rejectUnauthorized: false }, () => {
        s.write(`GET /ws HTTP/1.1\r\nHost: ${hostOf(app)}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`);
      });
      sockets.add(s);
      s.once('data', (d: Buffer) => { resolve(d.toString()); s.destroy(); });
      s.on('error', reject);
    });
    assert.match(secure, /^HTTP\/1\.1 101 /);
    assert.equal(upgrades, 1);
  });
});

describe('headers', () => {
  test('hop-by-hop headers are dropped both ways, nothing adds Via, the request id comes back', async () => {
    const app = randomApp();
    const echo = await backend(startBackend((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', connection: 'X-Secret', 'x-secret': 'internal', 'keep-alive': 'timeout=5', 'x-request-id': 'app-made' });
      res.end(JSON.stringify(req.headers));
    }));
    await route(app, [echo.upstream]);
    const r = await request(router.port, hostOf(app), {
      headers: { connection: 'close, X-Private', 'x-private': 'p', 'keep-alive': '300', te: 'trailers', 'proxy-authorization': 'Basic x', 'x-kept': 'yes' },
    });
    const seen = JSON.parse(r.body) as Record<string, string>;
    for (const h of ['x-private', 'keep-alive', 'te', 'proxy-authorization', 'via']) assert.equal(seen[h], undefined, `${h} reached the app`);
    assert.equal(seen['x-kept'], 'yes');
    assert.equal(r.headers['x-secret'], undefined);
    assert.equal(r.headers['keep-alive'], undefined);
    assert.equal(r.headers.via, undefined);
    assert.equal(r.headers['x-request-id'], seen['x-request-id'], 'the client sees the id the app saw');
  });
});

describe('limits and malformed requests', () => {
  test('a huge header gets 431', async () => {
    const reply = await rawRequest(router.port, `GET / HTTP/1.1\r\nHost: x.${DOMAIN}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(reply, /^HTTP\/1\.1 431 /);
  });

  test('smuggling shapes get 400 and never reach an app', async () => {
    const app = randomApp();
    const victim = await backend(namedBackend('victim'));
    await route(app, [victim.upstream]);
    const host = hostOf(app);
    const shapes = [
      `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
      `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd`,
      `POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`,
      `POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n`,
    ];
    for (const shape of shapes) assert.match(await rawRequest(router.port, shape), /^HTTP\/1\.1 400 /, JSON.stringify(shape.slice(0, 90)));
    assert.ok(!victim.requests.some((r) => r.url === '/smuggled'), 'no smuggled request reached the app');
  });

  test('a slow client (slowloris) is cut off by the header timeout', async () => {
    const started = Date.now();
    const s = net.connect(router.port, '127.0.0.1');
    s.on('error', () => {});
    s.write(`GET / HTTP/1.1\r\nHost: x.${DOMAIN}\r\n`);
    const drip = setInterval(() => s.write('X-Drip: 1\r\n'), 200);
    const got = await new Promise<string>((resolve) => { let d = ''; s.on('data', (c) => { d += c; }); s.on('close', () => resolve(d)); });
    clearInterval(drip);
    assert.match(got, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - started < 4000, `cut after ${Date.now() - started} ms`);
  });
});

describe('metrics and access lines', () => {
  test('requests are counted per status class, timed, and logged as `router` in the app log', async () => {
    const app = randomApp();
    const ok = await backend(startBackend((req, res) => { res.statusCode = req.url === '/missing' ? 404 : 200; res.end('12345'); }));
    await route(app, [ok.upstream]);
    for (const p of ['/', '/', '/missing']) await request(router.port, hostOf(app), { path: p });
    await router.flushTraffic();
    const [m] = await readTraffic(redis.handle, app);
    assert.ok(m);
    assert.equal(m.statuses['2xx'], 2);
    assert.equal(m.statuses['4xx'], 1);
    assert.equal(m.count, 3);
    assert.equal(m.bytesOut, 15);
    assert.equal(m.buckets.at(-1), 3, 'every request falls in the last bucket');
    const text = prometheusText([m]);
    assert.match(text, new RegExp(`berth_router_requests_total\\{app="${app}",status="2xx"\\} 2`));
    assert.match(text, new RegExp(`berth_router_request_duration_seconds_count\\{app="${app}"\\} 3`));
    const lines = await readAppLog(redis.handle, app as AppName, 10);
    assert.equal(lines.length, 3);
    assert.ok(lines.every((l) => l.process === 'router'));
    assert.match(lines[2]!.line, /^at=info method=GET path="\/missing" host=\S+ request_id=\S+ fwd="127\.0\.0\.1" upstream=127\.0\.0\.1:\d+ service=\d+ms status=404 bytes=5 protocol=http$/);
  });
});

describe('ACME HTTP-01', () => {
  test('challenge answers come from Redis, for any host; unknown tokens fall through to routing', async () => {
    await putChallenge(redis.handle, 'tok_123-abc', 'tok_123-abc.thumbprint');
    const r = await request(router.port, 'anything.example.org', { path: '/.well-known/acme-challenge/tok_123-abc' });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'tok_123-abc.thumbprint');
    const miss = await request(router.port, 'anything.example.org', { path: '/.well-known/acme-challenge/nope' });
    assert.equal(miss.status, 404);
  });
});
