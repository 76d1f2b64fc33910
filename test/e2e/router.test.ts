// The router end to end: real pushes, real containers, one Berth server on a
// Redis a second router process shares. Replicas and zero-failure deploys,
// the 504 timeout, request smuggling, custom domains, HTTPS with SNI (an
// uploaded certificate, the self-signed fallback, ACME from pebble),
// websockets across redeploys, metrics and router log lines, scale-out.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, ROOT, startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, push, sampleRepo } from '../helpers/git.js';
import { LOOP_PAUSE_MS, viaRouter } from '../helpers/http.js';
import { removeAppObjects } from '../helpers/docker.js';
import { api } from '../helpers/api.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startPebble, type Pebble } from '../router/pebble.js';
import { SERVER_NODE_FLAGS } from '../../src/shared/node-flags.js';

const DOMAIN = 'berth.test';
const appName = () => `t-${randomBytes(4).toString('hex')}`;

/** HTTPS through the router with SNI; the served certificate's names and issuer come back too. */
function viaTls(port: number, host: string, reqPath = '/'): Promise<{ status: number; body: string; names: string; issuer: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: host, rejectUnauthorized: false }, () => {
      const peer = socket.getPeerCertificate();
      const req = http.request({ createConnection: () => socket, path: reqPath, headers: { host, connection: 'close' } }, (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, names: peer.subjectaltname ?? '', issuer: String(peer.issuer?.CN ?? '') }));
      });
      req.on('error', reject);
      req.end();
    });
    socket.on('error', reject);
  });
}

/** A minimal websocket client: masked text frames out, frames in. */
class Ws {
  readonly frames: { opcode: number; text: string }[] = [];
  closed = false;
  private buf = Buffer.alloc(0);
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => { this.buf = Buffer.concat([this.buf, d]); this.parse(); });
    socket.on('close', () => { this.closed = true; });
    socket.on('error', () => {});
  }
  static open(port: number, host: string): Promise<Ws> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let head = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.off('data', onData);
        if (!/^HTTP\/1\.1 101 /.test(head.toString())) return reject(new Error(head.toString()));
        const ws = new Ws(socket);
        ws.buf = head.subarray(end + 4);
        ws.parse();
        resolve(ws);
      };
      socket.on('data', onData);
      socket.on('error', reject);
      socket.write(`GET /ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
        + `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
  }
  private parse(): void {
    while (this.buf.length >= 2 && this.buf.length >= 2 + (this.buf[1]! & 0x7f)) {
      const len = this.buf[1]! & 0x7f;
      this.frames.push({ opcode: this.buf[0]! & 0x0f, text: this.buf.subarray(2, 2 + len).toString() });
      this.buf = this.buf.subarray(2 + len);
    }
  }
  send(text: string): void {
    const payload = Buffer.from(text);
    const mask = randomBytes(4);
    this.socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4]!)]));
  }
  async echo(text: string, ms = 3000): Promise<boolean> {
    this.send(text);
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (this.frames.some((f) => f.text === text)) return true;
      if (this.closed) return false;
      await sleep(20);
    }
    return false;
  }
  destroy(): void { this.socket.destroy(); }
}

describe('router end to end', () => {
  let redis: TestRedis;
  let pebble: Pebble;
  let berth: Berth;
  let routerPort: number;
  let tlsPort: number;
  const certDir = mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-certs-'));
  const web = appName();
  const echo = appName();
  const apps = [web, echo];
  let webRepo: string;
  const call = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);
  const get = (p = '/', host = `${web}.${DOMAIN}`, port = routerPort) => viaRouter(port, host, p);

  before(async () => {
    redis = await startTestRedis();
    routerPort = await freePort();
    tlsPort = await freePort();
    pebble = await startPebble(routerPort);
    const opts = redis.handle.options;
    berth = await startBerth({
      REDIS_URL: `redis://${opts.host}:${opts.port}`, BERTH_REDIS_PREFIX: redis.handle.prefix, BERTH_DOMAIN: DOMAIN,
      BERTH_ROUTER_PORT: String(routerPort), BERTH_ROUTER_TLS_PORT: String(tlsPort), BERTH_ROUTER_TIMEOUT_SEC: '2',
      BERTH_ACME_DIRECTORY: pebble.directoryUrl, BERTH_ACME_CA_FILE: pebble.caFile,
    });
    webRepo = await sampleRepo('dockerfile-hello');
    const echoRepo = await sampleRepo('ws-echo');
    const [a, b] = await Promise.all([push(webRepo, berth.remote(web)), push(echoRepo, berth.remote(echo))]);
    assert.equal(a.code, 0, a.output);
    assert.equal(b.code, 0, b.output);
  });

  after(async () => {
    await berth?.destroy();
    removeAppObjects(apps);
    await pebble?.stop();
    await redis?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  test('two replicas share the traffic; redeploy, scale-up and scale-down fail no request', async () => {
    assert.equal((await call('PUT', `/apps/${web}/formation`, { formation: { web: 2 } })).status, 200);
    const hosts = new Set<string>();
    for (let i = 0; i < 6; i++) hosts.add(JSON.parse((await get('/whoami')).body).hostname);
    assert.equal(hosts.size, 2, 'both replicas serve');

    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const seen = new Map<string, number>();
    let stop = false;
    const note = (k: string) => seen.set(k, (seen.get(k) ?? 0) + 1);
    const loop = async (p: string, agent: http.Agent | false) => {
      while (!stop) {
        const status = await new Promise<string>((resolve) => {
          const req = http.get({ host: '127.0.0.1', port: routerPort, path: p, headers: { host: `${web}.${DOMAIN}` }, agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(String(res.statusCode)));
            res.on('error', (e) => resolve(e.message));
          });
          req.on('error', (e) => resolve(e.message));
        });
        note(`${p} ${status}`);
        await sleep(LOOP_PAUSE_MS);
      }
    };
    // Quick requests on fresh and on pooled connections, plus requests still
    // in flight when their replica leaves the route (shorter than the drain).
    const loops = [loop('/', false), loop('/', keepAlive), loop('/', keepAlive), loop('/slow?ms=600', false)];
    await commitFile(webRepo, 'message.txt', 'Hello again from Berth!\n');
    const pushed = await push(webRepo, berth.remote(web));
    assert.equal(pushed.code, 0, pushed.output);
    assert.equal((await call('PUT', `/apps/${web}/formation`, { formation: { web: 3 } })).status, 200);
    assert.equal((await call('PUT', `/apps/${web}/formation`, { formation: { web: 1 } })).status, 200);
    await sleep(2500); // through the drain and stop of the last retired replica
    stop = true;
    await Promise.all(loops);
    keepAlive.destroy();
    const bad = [...seen].filter(([k]) => !k.endsWith(' 200'));
    assert.deepEqual(bad, [], `every request succeeded: ${JSON.stringify([...seen])}`);
    assert.ok((seen.get('/ 200') ?? 0) > 50, JSON.stringify([...seen]));
    assert.equal((await get()).body, 'Hello again from Berth!\n');
  });

  test('an app slower than the router timeout gets the 504 page', async () => {
    const started = Date.now();
    const r = await get('/slow?ms=4000');
    assert.equal(r.status, 504);
    assert.match(r.body, /Gateway timeout/);
    assert.ok(Date.now() - started < 3500);
  });

  test('request smuggling shapes are refused with 400', async () => {
    const reply = await new Promise<string>((resolve) => {
      const s = net.connect(routerPort, '127.0.0.1');
      let got = '';
      s.on('data', (d) => { got += d; });
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
      s.write(`POST / HTTP/1.1\r\nHost: ${web}.${DOMAIN}\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n`);
    });
    assert.match(reply, /^HTTP\/1\.1 400 /);
    assert.doesNotMatch(reply, /Hello/);
  });

  test('an Upgrade the app answers with 200 closes the connection after the answer: the next request skips no routing', async () => {
    const c = net.connect(routerPort, '127.0.0.1');
    let got = '';
    c.on('data', (d) => { got += d; });
    c.on('error', () => {});
    const closed = new Promise<boolean>((resolve) => { c.on('close', () => resolve(true)); setTimeout(() => resolve(false), 5000); });
    c.write(`GET /headers HTTP/1.1\r\nHost: ${web}.${DOMAIN}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`);
    for (let i = 0; i < 250 && !/\r\n\r\n\{.*\}/s.test(got); i++) await sleep(20);
    assert.match(got, /^HTTP\/1\.1 200 /);
    assert.match(got, /\r\nConnection: close\r\n/i);
    c.write(`GET /headers HTTP/1.1\r\nHost: ${echo}.${DOMAIN}\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n\r\n`);
    assert.ok(await closed, 'the router closed the connection');
    assert.equal(got.match(/HTTP\/1\.1 /g)?.length, 1, `one answer only: ${got}`);
    assert.doesNotMatch(got, /6\.6\.6\.6/);

    const raw = (data: string) => new Promise<string>((resolve) => {
      const s = net.connect(routerPort, '127.0.0.1');
      let out = '';
      s.on('data', (d) => { out += d; });
      s.on('close', () => resolve(out));
      s.on('error', () => resolve(out));
      s.write(data);
    });
    const twoHosts = await raw(`GET / HTTP/1.1\r\nHost: ${web}.${DOMAIN}\r\nHost: ${echo}.${DOMAIN}\r\n\r\n`);
    assert.match(twoHosts, /^HTTP\/1\.1 400 /);
    assert.match(twoHosts, /more than one Host header/);
    const star = await raw(`OPTIONS * HTTP/1.1\r\nHost: ${web}.${DOMAIN}\r\n\r\n`);
    assert.match(star, /^HTTP\/1\.1 400 /);
    assert.doesNotMatch(star, /Bad gateway/);
  });

  test('custom domains: exact and wildcard, validated, exclusive, removable', async () => {
    const zone = `${appName()}.example`;
    // Domain changes reach the router processes by pub/sub a few ms after the API answers: ask again
    // for up to 1 s, as the TLS tests below do.
    const settled = async (host: string, status: number) => {
      let r = await get('/', host);
      for (let i = 0; i < 20 && r.status !== status; i++) { await sleep(50); r = await get('/', host); }
      return r;
    };
    const added = await call('POST', `/apps/${web}/domains`, { hostname: `WWW.${zone}.` });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.deepEqual(added.body, { domains: [`www.${zone}`] });
    assert.equal((await call('POST', `/apps/${web}/domains`, { hostname: `*.${zone}` })).status, 201);
    assert.equal((await settled(`www.${zone}`, 200)).body, 'Hello again from Berth!\n');
    assert.equal((await settled(`api.${zone}:8080`, 200)).status, 200, 'the wildcard covers other names');
    assert.deepEqual((await call('GET', `/apps/${web}/domains`)).body, { domains: [`*.${zone}`, `www.${zone}`] });
    for (const [hostname, status] of [['not a host', 400], [`x.${DOMAIN}`, 400], [`www.${zone}`, 409]] as const) {
      const r = await call('POST', `/apps/${echo}/domains`, { hostname });
      assert.equal(r.status, status, `${hostname}: ${JSON.stringify(r.body)}`);
    }
    assert.equal((await call('DELETE', `/apps/${web}/domains/*.${zone}`)).status, 200);
    assert.equal((await settled(`api.${zone}`, 404)).status, 404);
    assert.equal((await call('DELETE', `/apps/${web}/domains/nope.${zone}`)).status, 404);
  });

  test('HTTPS: certs:add serves its certificate by SNI, the fallback covers <app>.<domain>, the redirect is per app', async () => {
    const name = `shop.${appName()}.example`;
    assert.equal((await call('POST', `/apps/${web}/domains`, { hostname: name })).status, 201);
    const [crt, key] = [path.join(certDir, 'c.pem'), path.join(certDir, 'k.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30',
      '-keyout', key, '-out', crt, '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`], { stdio: 'ignore' });
    const added = await call('PUT', `/apps/${web}/certs`, { cert: readFileSync(crt, 'utf8'), key: readFileSync(key, 'utf8') });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body.cert.serves, [name]);
    const wrongApp = await call('PUT', `/apps/${echo}/certs`, { cert: readFileSync(crt, 'utf8'), key: readFileSync(key, 'utf8') });
    assert.equal(wrongApp.status, 400);
    let r = await viaTls(tlsPort, name);
    for (let i = 0; i < 20 && r.names !== `DNS:${name}`; i++) { await sleep(50); r = await viaTls(tlsPort, name); }
    assert.equal(r.names, `DNS:${name}`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'Hello again from Berth!\n');
    const fallback = await viaTls(tlsPort, `${web}.${DOMAIN}`);
    assert.equal(fallback.names, `DNS:*.${DOMAIN}, DNS:${DOMAIN}`);
    assert.equal(JSON.parse((await viaTls(tlsPort, `${web}.${DOMAIN}`, '/headers')).body)['X-Forwarded-Proto'], 'https');

    assert.equal((await call('PUT', `/apps/${web}/certs/redirect`, { enabled: true })).status, 200);
    let redirect = await get('/x?y=1');
    for (let i = 0; i < 20 && redirect.status !== 308; i++) { await sleep(50); redirect = await get('/x?y=1'); }
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.location, `https://${web}.${DOMAIN}:${tlsPort}/x?y=1`);
    assert.equal((await get('/', `${echo}.${DOMAIN}`)).status, 200, 'other apps are not redirected');
    assert.equal((await call('PUT', `/apps/${web}/certs/redirect`, { enabled: false })).status, 200);
  });

  test("certs:auto gets a certificate from the ACME CA (pebble) and serves it", async () => {
    const res = await call('POST', `/apps/${echo}/certs/auto`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.acme.state, 'issued');
    assert.equal(res.body.certs[0].source, 'acme');
    let r = await viaTls(tlsPort, `${echo}.${DOMAIN}`);
    for (let i = 0; i < 20 && !/Pebble/i.test(r.issuer); i++) { await sleep(50); r = await viaTls(tlsPort, `${echo}.${DOMAIN}`); }
    assert.match(r.issuer, /Pebble/i);
    assert.match(r.body, /^ws-echo /);
  });

  test('websockets echo through the router, survive other deploys, close cleanly on their own', async () => {
    const ws = await Ws.open(routerPort, `${echo}.${DOMAIN}`);
    try {
      assert.ok(await ws.echo('one'));
      assert.match(ws.frames[0]!.text, /^hello from /);
      assert.equal((await call('PUT', `/apps/${web}/config`, { vars: { SOME: 'change' } })).status, 200);
      assert.ok(await ws.echo('after another app redeployed'), 'survives a redeploy of another app');
      assert.equal((await call('PUT', `/apps/${echo}/formation`, { formation: { web: 2 } })).status, 200);
      assert.ok(await ws.echo('after scale-up'), 'survives its own app scaling up');
      const redeploy = call('PUT', `/apps/${echo}/config`, { vars: { SOME: 'change' } });
      await redeploy;
      for (let i = 0; i < 100 && !ws.closed; i++) await sleep(50);
      assert.ok(ws.closed, 'closed after its replica was retired');
      assert.equal(ws.frames.at(-1)?.opcode, 8, 'with a close frame');
    } finally {
      ws.destroy();
    }
    const fresh = await Ws.open(routerPort, `${echo}.${DOMAIN}`);
    assert.ok(await fresh.echo('new release'));
    fresh.destroy();
  });

  test('metrics in Prometheus format and router lines in the app log', async () => {
    await sleep(1200); // one metrics flush
    const res = await fetch(`http://127.0.0.1:${berth.apiPort}/metrics`, { headers: { authorization: `Bearer ${berth.token}` } });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, new RegExp(`berth_router_requests_total\\{app="${web}",status="2xx"\\} \\d+`));
    assert.match(text, new RegExp(`berth_router_requests_total\\{app="${web}",status="5xx"\\} [1-9]`), 'the 504 was counted');
    assert.match(text, new RegExp(`berth_router_request_duration_seconds_bucket\\{app="${web}",le="\\+Inf"\\} \\d+`));
    assert.equal((await fetch(`http://127.0.0.1:${berth.apiPort}/metrics`)).status, 401);
    const json = await call('GET', `/apps/${web}/metrics`);
    assert.ok(json.body.metrics.count > 50);
    const logs = await call('GET', `/apps/${web}/logs?n=20&type=router`);
    assert.ok(logs.body.lines.length > 0);
    assert.ok(logs.body.lines.every((l: { process: string }) => l.process === 'router'));
    assert.match(logs.body.lines.at(-1).line, /method=GET path="[^"]*" host=\S+ request_id=\S+ .* status=\d{3}/);
  });

  test('a second router process (2 cluster workers) serves the same apps and hears route changes', async () => {
    const port = await freePort();
    const env = { ...berth.env, BERTH_ROUTER_PORT: String(port), BERTH_ROUTER_WORKERS: '2', BERTH_API_PORT: String(await freePort()) };
    delete (env as Record<string, string | undefined>).BERTH_ROUTER_TLS_PORT;
    const second = spawn(process.execPath, [path.join(ROOT, 'dist/main/index.js'), 'server', '--role', 'router'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    second.stdout!.on('data', (d) => { out += d; });
    second.stderr!.on('data', (d) => { out += d; });
    try {
      for (let i = 0; i < 100 && !out.includes('berth: ready'); i++) await sleep(100);
      assert.match(out, /router on 127\.0\.0\.1:\d+ \(2 workers\)/, out);
      // This primary was started without the server's V8 flags; its workers still get them.
      const workers = execFileSync('pgrep', ['-P', String(second.pid)], { encoding: 'utf8' }).trim().split('\n');
      assert.equal(workers.length, 2);
      for (const pid of workers) {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        for (const flag of SERVER_NODE_FLAGS) assert.ok(argv.includes(flag), `worker ${pid} runs with ${flag}: ${argv.join(' ')}`);
      }
      assert.equal((await get('/', `${web}.${DOMAIN}`, port)).body, 'Hello again from Berth!\n');
      assert.equal((await call('PUT', `/apps/${web}/formation`, { formation: { web: 2 } })).status, 200);
      const hosts = new Set<string>();
      for (let i = 0; i < 8; i++) hosts.add(JSON.parse((await get('/whoami', `${web}.${DOMAIN}`, port)).body).hostname);
      assert.equal(hosts.size, 2, 'the second router learned the new replica');
    } finally {
      const gone = new Promise((r) => second.once('exit', r));
      second.kill('SIGTERM');
      await gone;
    }
  });
});
