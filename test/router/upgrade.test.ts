// Hardening of the router's edge (issue 9): an Upgrade the app does not
// accept must not turn the client's connection into a pipe to that app;
// two Host headers and asterisk-form targets get a 400 from the router.
// Real sockets, a real Redis, real node:http backends.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRouter, type RunningRouter } from '../../src/router/index.js';
import { startTestRedis, startBackend, namedBackend, rawRequest, randomApp, type TestRedis, BackendPool, publishRoute } from './helpers.js';

const DOMAIN = 'berth.test';
const hostOf = (app: string) => `${app}.${DOMAIN}`;

let redis: TestRedis;
let router: RunningRouter;
const logLines: string[] = [];
const backends = new BackendPool();
const sockets = new Set<Duplex>();

const backend = backends.add;
const route = (app: string, upstreams: string[]) => publishRoute(redis.handle, router, app, upstreams);

before(async () => {
  redis = await startTestRedis();
  router = await startRouter({
    redis: redis.handle, domain: DOMAIN, port: 0, host: '127.0.0.1', upstreamTimeoutMs: 1000,
    log: (line) => logLines.push(line),
  });
});

after(async () => {
  await router?.close();
  for (const s of sockets) s.destroy();
  await backends.closeAll();
  await redis?.stop();
});

/** A client connection: what it has received, and whether the router closed it. */
function connect(port: number): { socket: net.Socket; got: () => string; closed: Promise<void> } {
  const socket = net.connect(port, '127.0.0.1');
  let got = '';
  socket.on('data', (d: Buffer) => { got += d.toString('latin1'); });
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  return { socket, got: () => got, closed };
}

async function until(cond: () => boolean, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

const upgradeTo = (host: string, extra = '') => `GET /chat HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
  + `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;

describe('an Upgrade the app answers without 101', () => {
  test('is relayed as a normal response, then the connection closes: the next request never reaches that app', async () => {
    const [first, other] = [randomApp(), randomApp()];
    // A plain node server: no 'upgrade' listener, so it answers 200 and keeps the connection alive.
    const a = await backend(startBackend((req, res) => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' }); res.end('first'); }));
    const b = await backend(namedBackend('other'));
    await route(first, [a.upstream]);
    await route(other, [b.upstream]);
    const c = connect(router.port);
    c.socket.write(upgradeTo(hostOf(first)));
    assert.ok(await until(() => c.got().endsWith('first')), `got ${JSON.stringify(c.got())}`);
    const answer = c.got();
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    assert.match(answer, /\r\ncontent-length: 5\r\n/i);
    assert.match(answer, /\r\nx-request-id: /i);
    assert.doesNotMatch(answer, /\r\nupgrade:/i);
    // The attack: a second request for another app, with forged forwarding headers.
    c.socket.write(`GET /steal HTTP/1.1\r\nHost: ${hostOf(other)}\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n\r\n`);
    const closed = await Promise.race([c.closed.then(() => true), sleep(3000).then(() => false)]);
    c.socket.destroy();
    assert.equal(a.requests.length, 1, `the first app got ${a.requests.map((r) => `${r.url} xff=${r.headers['x-forwarded-for']}`).join(', ')}`);
    assert.equal(b.requests.length, 0, 'nothing after the relayed answer is routed on that connection');
    assert.ok(closed, 'the router closes the connection after the relayed answer');
    assert.equal(c.got(), answer, 'nothing more came back');
    assert.equal(a.requests[0]!.headers['x-forwarded-for'], '127.0.0.1');
  });

  test('bytes sent right behind the handshake (a pipelined request) reach no app', async () => {
    const [first, other] = [randomApp(), randomApp()];
    // A raw backend, to see every byte the router sends it: it refuses the upgrade with 426.
    let seen = '';
    const raw = net.createServer((s) => {
      s.on('error', () => {});
      s.on('data', (d: Buffer) => {
        if (!seen) s.write('HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n');
        seen += d.toString('latin1');
      });
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const b = await backend(namedBackend('other'));
    try {
      await route(first, [`127.0.0.1:${(raw.address() as net.AddressInfo).port}`]);
      await route(other, [b.upstream]);
      const reply = await rawRequest(router.port, `${upgradeTo(hostOf(first))}GET /steal HTTP/1.1\r\nHost: ${hostOf(other)}\r\n\r\n`, 3000);
      assert.match(reply, /^HTTP\/1\.1 426 /);
      assert.equal(reply.match(/HTTP\/1\.1 /g)?.length, 1, 'exactly one response');
      await sleep(100);
      assert.match(seen, /^GET \/chat /);
      assert.doesNotMatch(seen, /steal/, 'the pipelined request was not sent to the first app');
      assert.equal(b.requests.length, 0);
    } finally {
      raw.close();
    }
  });

  test('a body without a length is relayed chunked to an HTTP/1.1 client, and an app 101 without Upgrade is a 502', async () => {
    const app = randomApp();
    const a = await backend(startBackend((_req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.write('not a ');
      setTimeout(() => res.end('websocket'), 50);
    }));
    await route(app, [a.upstream]);
    const reply = await rawRequest(router.port, upgradeTo(hostOf(app)), 3000);
    assert.match(reply, /^HTTP\/1\.1 400 /);
    assert.match(reply, /\r\ntransfer-encoding: chunked\r\n/i);
    assert.ok(reply.endsWith('\r\n\r\n6\r\nnot a \r\n9\r\nwebsocket\r\n0\r\n\r\n'), JSON.stringify(reply));

    const odd = randomApp();
    const raw = net.createServer((s) => { s.on('error', () => {}); s.once('data', () => s.write('HTTP/1.1 101 Switching Protocols\r\n\r\n')); });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    try {
      await route(odd, [`127.0.0.1:${(raw.address() as net.AddressInfo).port}`]);
      const bad = await rawRequest(router.port, upgradeTo(hostOf(odd)), 3000);
      assert.match(bad, /^HTTP\/1\.1 502 /);
      assert.match(bad, /without an Upgrade header/);
    } finally {
      raw.close();
    }
  });

  test('a large answer reaches a client that half-closed right after its request', async () => {
    const app = randomApp();
    const big = Buffer.alloc(16 * 1024 * 1024, 'x');
    const a = await backend(startBackend((_req, res) => {
      res.writeHead(200, { 'content-length': String(big.length) });
      res.flushHeaders();
      res.end(big);
    }));
    await route(app, [a.upstream]);
    const c = connect(router.port);
    c.socket.end(upgradeTo(hostOf(app)));
    c.socket.pause();
    await sleep(300); // the router has the whole answer buffered before the client reads
    c.socket.resume();
    await Promise.race([c.closed, sleep(5000)]);
    assert.match(c.got(), /^HTTP\/1\.1 200 /);
    const body = c.got().slice(c.got().indexOf('\r\n\r\n') + 4);
    assert.equal(body.length, big.length, 'the whole body arrived');
  });

  test('an upgrade request with a Content-Length body hands the app exactly that body; a 101 then tunnels what follows', async () => {
    const app = randomApp();
    let body = '';
    const a = await backend(startBackend(() => {}));
    a.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      sockets.add(socket);
      socket.on('error', () => {});
      body = head.toString().slice(0, Number(req.headers['content-length']));
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.write(`body=${body};`);
      socket.pipe(socket);
    });
    await route(app, [a.upstream]);
    const c = connect(router.port);
    c.socket.write(`${upgradeTo(hostOf(app), 'Content-Length: 5\r\n')}hello`);
    assert.ok(await until(() => c.got().includes('body=hello;')), JSON.stringify(c.got()));
    c.socket.write('echo-me');
    assert.ok(await until(() => c.got().endsWith('body=hello;echo-me')), JSON.stringify(c.got()));
    assert.match(c.got(), /^HTTP\/1\.1 101 /);
    assert.match(c.got(), /\r\nupgrade: websocket\r\n/i);
    c.socket.destroy();
    assert.equal(body, 'hello');
  });
});

describe('an Upgrade the app accepts', () => {
  test('a replica that refuses the connection is skipped: the handshake is retried on another and tunnels', async () => {
    const app = randomApp();
    const a = await backend(startBackend(() => {}));
    a.server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.pipe(socket);
    });
    const refusing = net.createServer();
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    const dead = `127.0.0.1:${(refusing.address() as net.AddressInfo).port}`;
    await new Promise<void>((r) => refusing.close(() => r()));
    await route(app, [dead, a.upstream]);
    for (let i = 0; i < 2; i++) {
      const c = connect(router.port);
      c.socket.write(upgradeTo(hostOf(app)));
      assert.ok(await until(() => c.got().includes('\r\n\r\n')), JSON.stringify(c.got()));
      assert.match(c.got(), /^HTTP\/1\.1 101 /);
      c.socket.write('ping');
      assert.ok(await until(() => c.got().endsWith('ping')));
      c.socket.destroy();
    }
  });
});

describe('a tunnel whose app resets', () => {
  test('cuts the client and the router lives on', async () => {
    // An unheard socket error would crash a real router; the test runner would only note it.
    const uncaught: Error[] = [];
    const onUncaught = (err: Error) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    const app = randomApp();
    const a = await backend(startBackend((_req, res) => { res.end('plain'); }));
    a.server.on('upgrade', (_req: IncomingMessage, socket: net.Socket) => {
      socket.on('error', () => {});
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.once('data', () => socket.resetAndDestroy());
    });
    await route(app, [a.upstream]);
    for (let i = 0; i < 3; i++) {
      const c = connect(router.port);
      c.socket.write(upgradeTo(hostOf(app)));
      assert.ok(await until(() => c.got().includes('\r\n\r\n')));
      c.socket.write('boom');
      const closed = await Promise.race([c.closed.then(() => true), sleep(3000).then(() => false)]);
      assert.ok(closed, 'the client is cut');
    }
    const plain = await rawRequest(router.port, `GET / HTTP/1.1\r\nHost: ${hostOf(app)}\r\nConnection: close\r\n\r\n`, 2000);
    assert.match(plain, /^HTTP\/1\.1 200 [\s\S]*plain$/);
    process.off('uncaughtException', onUncaught);
    assert.deepEqual(uncaught.map((e) => e.message), []);
  });
});

describe('requests RFC 9112 makes a 400', () => {
  test('two Host headers get a 400 and reach no app, for plain requests and upgrades', async () => {
    const [first, other] = [randomApp(), randomApp()];
    const a = await backend(namedBackend('first'));
    const b = await backend(namedBackend('other'));
    await route(first, [a.upstream]);
    await route(other, [b.upstream]);
    for (const [x, y] of [[first, other], [other, first]]) {
      const reply = await rawRequest(router.port, `GET / HTTP/1.1\r\nHost: ${hostOf(x!)}\r\nHost: ${hostOf(y!)}\r\n\r\n`, 2000);
      assert.match(reply, /^HTTP\/1\.1 400 /);
      assert.match(reply, /more than one Host header/);
      assert.match(reply, /\r\nconnection: close\r\n/i);
    }
    const up = await rawRequest(router.port, upgradeTo(hostOf(first), `Host: ${hostOf(other)}\r\n`), 2000);
    assert.match(up, /^HTTP\/1\.1 400 /);
    assert.equal(a.requests.length + b.requests.length, 0);
  });

  test('OPTIONS * gets the router\'s 400 (as nginx), not a 502 that blames the app', async () => {
    const app = randomApp();
    const a = await backend(namedBackend('a'));
    await route(app, [a.upstream]);
    const before = logLines.length;
    const reply = await rawRequest(router.port, `OPTIONS * HTTP/1.1\r\nHost: ${hostOf(app)}\r\n\r\n`, 2000);
    assert.match(reply, /^HTTP\/1\.1 400 /);
    assert.match(reply, /asterisk-form/);
    assert.doesNotMatch(reply, /refused or dropped/);
    assert.equal(a.requests.length, 0);
    assert.deepEqual(logLines.slice(before), []);
    // An absolute-form target still works (its host wins, RFC 9112 §3.2.2).
    const abs = await rawRequest(router.port, `GET http://${hostOf(app)}/x HTTP/1.1\r\nHost: elsewhere.example\r\nConnection: close\r\n\r\n`, 2000);
    assert.match(abs, /^HTTP\/1\.1 200 /);
    assert.match(abs, /a GET \/x\r\n/);
  });
});
