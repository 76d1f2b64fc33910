// Fuzz the edges (issue 9): a few thousand random and mutated requests,
// from a fixed seed, at one real server's git endpoints, API and router.
// The bases are a real git push captured on the wire, valid API calls and
// valid requests through the router. The server must stay up (same pid,
// healthz 200, no error caught by its last-resort guard), answer or close
// every request within its deadline, and create nothing.
// 1500 by default (2000 took 132 s on a 2-core VM at load 15); BERTH_FUZZ_ITERATIONS=20000
// for a longer run, BERTH_FUZZ_SEED for another seed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { startBerth, type Berth } from '../helpers/berth.js';
import { api } from '../helpers/api.js';
import { push, sampleRepo } from '../helpers/git.js';
import { basic, pkt, rawRequest, type RawOutcome } from '../helpers/git-http.js';

const ITERATIONS = Number(process.env.BERTH_FUZZ_ITERATIONS || 1500);
const SEED = Number(process.env.BERTH_FUZZ_SEED || 0x5eed);
const CONCURRENCY = 4;
const GIT_TIMEOUT_SEC = 1;
const ROUTER_HEADERS_SEC = 2;
// The server's deadlines bound silences (1-3 s here); a client calls it a
// hang after this, which leaves room for git's own work on a busy machine.
const CLIENT_TIMEOUT_MS = 15_000;

/** mulberry32: small, fast and good enough to pick mutations reproducibly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  return { next, int, pick, bytes, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

interface Captured { method: string; path: string; headers: Record<string, string>; body: Buffer }

/** Byte-level mutations of a body: flips, inserts, deletes, splices, truncation. */
function mutateBytes(rng: Rng, body: Buffer): Buffer {
  let b = Buffer.from(body);
  for (let n = 1 + rng.int(4); n > 0; n--) {
    const at = b.length ? rng.int(b.length) : 0;
    switch (rng.int(6)) {
      case 0: if (b.length) b[at] = rng.int(256); break;
      case 1: b = Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.int(16)), b.subarray(at)]); break;
      case 2: b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rng.int(32))]); break;
      case 3: b = b.subarray(0, at); break;
      case 4: b = Buffer.concat([b.subarray(0, at), Buffer.from(rng.pick(['0000', '0001', 'ffff', '000', '\0', '\n', 'PACK'])), b.subarray(at)]); break;
      default: b = Buffer.concat([b, b.subarray(0, rng.int(b.length + 1))]);
    }
  }
  return b;
}

describe('fuzz: git endpoints, API and router', { timeout: 600_000 }, () => {
  let berth: Berth;
  let pid: number | undefined;
  let routerPid: number | undefined;
  let known: string;
  let gitBases: Captured[] = [];
  // A fixed pool, so a name is often hit twice (also concurrently).
  const seeded = prng(SEED);
  const fuzzNames = Array.from({ length: 48 }, () => `fz-${seeded.int(2 ** 32).toString(16)}`);

  before(async () => {
    berth = await startBerth({
      BERTH_GIT_RECEIVE_TIMEOUT_SEC: String(GIT_TIMEOUT_SEC),
      BERTH_ROUTER_HEADERS_TIMEOUT_SEC: String(ROUTER_HEADERS_SEC),
      BERTH_ROUTER_REQUEST_TIMEOUT_SEC: '3',
      BERTH_API_BODY_TIMEOUT_SEC: String(GIT_TIMEOUT_SEC),
      // One in ten fuzz requests has a bad token: the per-address lockout
      // (tested in access.test.ts) would otherwise answer the rest with 429.
      BERTH_AUTH_FAIL_LIMIT: '1000000',
    });
    pid = berth.pid();
    // The router is a process of its own: the router cases must not kill it either.
    routerPid = await berth.routerPid();
    assert.ok(routerPid, 'the router process is up');
    known = `fz-known-${Date.now().toString(36)}`;
    assert.equal((await api(berth.apiPort, berth.token, 'POST', '/apps', { name: known })).status, 201);
    gitBases = await capturePush(berth, known);
  });
  after(async () => { await berth?.destroy(); });

  test(`${ITERATIONS} requests from seed ${SEED}: answered in time, server up, nothing created`, async () => {
    const appsBefore = (await api(berth.apiPort, berth.token, 'GET', '/apps')).body.apps.map((a: { name: string }) => a.name).sort();
    const reposBefore = readdirSync(path.join(berth.dataDir, 'repos')).sort();
    const hangs: string[] = [];
    const respelled: string[] = [];
    const tally = new Map<string, number>();
    let i = 0;
    const worker = async () => {
      while (i < ITERATIONS) {
        const n = i++;
        // Each request has its own stream from (seed, index): a finding replays alone.
        const rng = prng((SEED ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0);
        const kind = rng.next() < 0.6 ? 'git' : rng.next() < 0.6 ? 'api' : 'router';
        const c: { label: string; spelled?: boolean; run: () => Promise<RawOutcome> } = kind === 'git' ? gitCase(rng) : kind === 'api' ? apiCase(rng) : routerCase(rng);
        const { label, run } = c;
        const o = await run();
        if (c.spelled && 'status' in o && o.status < 300) respelled.push(`#${n} ${label}: ${o.status}`);
        const key = `${kind} ${'status' in o ? o.status : 'closed' in o ? 'closed' : 'TIMEOUT'}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
        if ('timeout' in o || ('status' in o && o.status >= 500 && o.status !== 503 && kind !== 'router')) hangs.push(`#${n} ${label}: ${JSON.stringify(o).slice(0, 300)}`);
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(`fuzz: ${ITERATIONS} requests in ${Date.now() - started} ms: ${JSON.stringify(Object.fromEntries([...tally].sort()))}`);

    assert.deepEqual(respelled, [], 'another spelling of a path reached a route');
    assert.deepEqual(hangs, [], `requests not answered within ${CLIENT_TIMEOUT_MS} ms, or 5xx:\n${hangs.slice(0, 20).join('\n')}`);
    const health = await fetch(`http://127.0.0.1:${berth.apiPort}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(berth.pid(), pid, 'the same server process');
    assert.equal(await berth.routerPid(), routerPid, 'the same router process');
    assert.equal(((await health.json()) as { uncaught: number }).uncaught, 0, `the last-resort guard caught errors:\n${berth.output().split('\n').filter((l) => l.includes('BUG')).slice(0, 5).join('\n')}`);
    const appsAfter = (await api(berth.apiPort, berth.token, 'GET', '/apps')).body.apps.map((a: { name: string }) => a.name).sort();
    assert.deepEqual(appsAfter, appsBefore, 'no app was created');
    assert.deepEqual(readdirSync(path.join(berth.dataDir, 'repos')).sort(), reposBefore, 'no repo was created');
    const incoming = path.join(berth.dataDir, 'git-incoming');
    assert.deepEqual(existsSync(incoming) ? readdirSync(incoming) : [], [], 'no incoming repo was left');
    const labelled = execFileSync('docker', ['ps', '-a', '--filter', 'label=berth.app', '--format', '{{.Label "berth.app"}}'], { encoding: 'utf8' })
      .split('\n').filter((a) => a.startsWith('fz-'));
    assert.deepEqual(labelled, [], 'no container was created');
    assert.equal(spawnSync('pgrep', ['-f', `stateless-rpc ${berth.dataDir}`]).status, 1, 'no git process left running');
  });

  const fuzzName = (rng: Rng) => rng.pick(fuzzNames);

  function gitCase(rng: Rng): { label: string; run: () => Promise<RawOutcome> } {
    const base = rng.pick(gitBases);
    const headers: Record<string, string> = { ...base.headers };
    let body = base.body;
    let method = base.method;
    const app = rng.chance(0.3) ? known : rng.chance(0.9) ? fuzzName(rng) : rng.pick(['API', '-x', 'a'.repeat(40), '..', 'git', '%00', 'a/b']);
    let p = base.path.replace(/^\/[^/]+\.git/, `/${app}.git`);
    const ops: string[] = [];
    if (rng.chance(0.7)) { body = mutateBytes(rng, body); ops.push('bytes'); }
    if (rng.chance(0.15)) { delete headers['content-type']; ops.push('no-type'); }
    if (rng.chance(0.1)) { headers['content-type'] = rng.pick(['text/plain', 'application/json', 'application/x-git-upload-pack-request', 'application/x-git-receive-pack-request; x=1']); ops.push('type'); }
    if (rng.chance(0.15)) {
      const enc = rng.pick(['gzip', 'deflate', 'br', 'x-gzip', 'identity', 'gzip, gzip', 'GZIP']);
      headers['content-encoding'] = enc;
      if (rng.chance(0.5) && enc.toLowerCase().endsWith('gzip')) body = zlib.gzipSync(body);
      else if (rng.chance(0.5) && enc === 'deflate') body = zlib.deflateSync(body);
      if (rng.chance(0.3)) body = mutateBytes(rng, body);
      ops.push(`enc ${enc}`);
    }
    if (rng.chance(0.05)) { delete headers.authorization; ops.push('no-auth'); }
    if (rng.chance(0.05)) { headers.authorization = rng.pick([basic('wrong'), 'Bearer x', 'Basic !!!', `Basic ${rng.bytes(20).toString('base64')}`]); ops.push('bad-auth'); }
    if (rng.chance(0.05)) { method = rng.pick(['GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'POST']); ops.push(`method ${method}`); }
    if (rng.chance(0.08)) { p = p.replace(rng.pick(['git-receive-pack', 'git-upload-pack', 'info/refs']), rng.pick(['git-upload-pack', 'git-receive-pack', 'info/refs?service=git-annex', 'HEAD', 'objects/info/packs'])); ops.push('path'); }
    if (rng.chance(0.08)) { p = p.replace(/\?.*$/, rng.pick(['', '?service=', '?service=git-upload-pack', '?service=git-receive-pack&x=1'])); ops.push('query'); }
    // Some bodies stall: they promise more than they send (chunked, never ended).
    const stall = method === 'POST' && rng.chance(0.03);
    if (stall) ops.push('stall');
    delete headers['content-length'];
    const label = `git ${method} ${p} [${ops.join(', ')}]`;
    return {
      label,
      run: () => rawRequest(berth.apiPort, {
        method, path: p, timeoutMs: CLIENT_TIMEOUT_MS,
        headers: stall ? { ...headers, 'transfer-encoding': 'chunked' } : headers,
        body: stall ? (req) => { req.write(body.subarray(0, rng.int(body.length + 1)) || 'x'); } : (method === 'GET' ? undefined : body),
      }),
    };
  }

  function apiCase(rng: Rng): { label: string; spelled?: boolean; run: () => Promise<RawOutcome> } {
    const app = rng.chance(0.5) ? known : fuzzName(rng);
    const paths = ['/api/v1/apps', `/api/v1/apps/${app}`, `/api/v1/apps/${app}/config`, `/api/v1/apps/${app}/releases`, `/api/v1/apps/${app}/ps`,
      `/api/v1/apps/${app}/domains`, `/api/v1/apps/${app}/metrics`, '/api/v1/openapi.json', '/healthz', '/metrics', `/api/v1/apps/${app}/logs?lines=5`];
    let p = rng.pick(paths);
    if (rng.chance(0.3)) p = mutateBytes(rng, Buffer.from(p)).toString('latin1').replace(/[^\x21-\x7e]/g, '%25').replace(/^(?!\/)/, '/');
    // Another spelling of the same path (case, needless %-escapes, `//`, `/.`, a trailing `/`) is never a route: no 2xx, whatever the token.
    const spelled = rng.chance(0.2);
    if (spelled) p = respell(rng, p);
    // Reads, and writes that can only fail: a body that is never a valid app or config.
    const method = rng.chance(0.7) ? 'GET' : rng.pick(['PUT', 'PATCH', 'DELETE', 'POST', 'OPTIONS', 'HEAD']);
    const headers: Record<string, string> = rng.chance(0.9) ? { authorization: `Bearer ${berth.token}` } : rng.chance(0.5) ? {} : { authorization: 'Bearer nope' };
    let body: Buffer | undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      body = rng.chance(0.5) ? rng.bytes(rng.int(200)) : mutateBytes(rng, Buffer.from(rng.pick(['{"values":{"a":', '[[[[[[[[', 'null', '""'])));
      headers['content-type'] = rng.pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16']);
    }
    // Never DELETE the known app with its confirmation: that is a valid call.
    if (method === 'DELETE') p = p.replace(/\?.*$/, '');
    return { label: `api ${method} ${p}`, spelled, run: () => rawRequest(berth.apiPort, { method, path: p, headers, body, timeoutMs: CLIENT_TIMEOUT_MS }) };
  }

  function routerCase(rng: Rng): { label: string; run: () => Promise<RawOutcome> } {
    const host = rng.pick([`${known}.localhost`, `${fuzzName(rng)}.localhost`, 'localhost', '', 'x'.repeat(300), `${known}.localhost:${berth.routerPort}`]);
    const head = `${rng.pick(['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'BREW'])} ${rng.pick(['/', '/a?b=c', '//x', '/%00', '*'])} HTTP/1.1\r\nHost: ${host}\r\n${rng.pick(['', 'Content-Length: 3\r\n', 'Transfer-Encoding: chunked\r\n', 'X-Forwarded-For: 6.6.6.6\r\n'])}Connection: close\r\n\r\n${rng.pick(['', 'abc', '0\r\n\r\n'])}`;
    const bytes = rng.chance(0.6) ? mutateBytes(rng, Buffer.from(head)) : Buffer.from(head);
    return { label: `router ${JSON.stringify(bytes.toString('latin1').slice(0, 80))}`, run: () => rawSocket(berth.routerPort, bytes, CLIENT_TIMEOUT_MS) };
  }
});

/** Sends raw bytes; the outcome is the first status line's code (answered), or closed, or a timeout. */
function rawSocket(port: number, bytes: Buffer, timeoutMs: number): Promise<RawOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    let got = '';
    let settled = false;
    const settle = (o: RawOutcome) => { if (!settled) { settled = true; clearTimeout(timer); s.destroy(); resolve(o); } };
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    const timer = setTimeout(() => settle({ timeout: true, ms: Date.now() - started }), timeoutMs);
    s.on('data', (d) => {
      got += d.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      if (m) settle({ status: Number(m[1]), headers: {}, body: Buffer.alloc(0), ms: Date.now() - started });
    });
    s.on('error', () => {});
    s.on('close', () => settle({ closed: 'closed', ms: Date.now() - started }));
  });
}

/**
 * A real git push of a branch that does not deploy, captured on the wire
 * through a recording proxy: the bases of the git mutations. The POST also
 * gets a main variant whose pack is always corrupt, so no mutation of it
 * can ever deploy or create an app.
 */
async function capturePush(berth: Berth, app: string): Promise<Captured[]> {
  const seen: Captured[] = [];
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host').map(([k, v]) => [k, String(v)]));
      const body = Buffer.concat(chunks);
      if (headers.authorization) seen.push({ method: req.method!, path: req.url!, headers, body });
      const up = http.request({ host: '127.0.0.1', port: berth.apiPort, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const port = (proxy.address() as net.AddressInfo).port;
  const repo = await sampleRepo('dockerfile-hello');
  const res = await push(repo, `http://berth:${berth.token}@127.0.0.1:${port}/${app}.git`, 'main:fuzz');
  proxy.close();
  assert.equal(res.code, 0, res.output);
  const post = seen.find((c) => c.method === 'POST' && c.body.length > 4);
  assert.ok(post, 'captured the push');
  const main = Buffer.from(post.body.toString('latin1').replace('refs/heads/fuzz', 'refs/heads/main'), 'latin1');
  for (let k = main.length - 20; k < main.length; k++) main[k] = main[k]! ^ 0xff;
  const rev = /[0-9a-f]{40} ([0-9a-f]{40})/.exec(post.body.toString('latin1'))![1]!;
  const fetch: Captured = {
    method: 'POST', path: post.path.replace('receive-pack', 'upload-pack'),
    headers: { ...post.headers, 'content-type': 'application/x-git-upload-pack-request' },
    body: Buffer.concat([pkt(`want ${rev} multi_ack_detailed side-band-64k ofs-delta\n`), Buffer.from('0000'), pkt('done\n')]),
  };
  return [...seen, { ...post, body: main }, fetch];
}

/** The path of `p` spelled another way that no route may match (its query is kept). */
function respell(rng: Rng, p: string): string {
  const q = p.indexOf('?');
  const [pathPart, query] = q < 0 ? [p, ''] : [p.slice(0, q), p.slice(q)];
  const letters = [...pathPart].flatMap((c, i) => (/[a-z]/i.test(c) ? [i] : []));
  const slashes = [...pathPart].flatMap((c, i) => (c === '/' ? [i] : []));
  const at = (xs: number[]) => xs[rng.int(xs.length)]!;
  const splice = (i: number, del: number, ins: string) => pathPart.slice(0, i) + ins + pathPart.slice(i + del);
  switch (rng.int(5)) {
    case 0: { const i = at(letters); const c = pathPart[i]!; return splice(i, 1, c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + query; }
    case 1: { const i = at(letters); return splice(i, 1, `%${pathPart.charCodeAt(i).toString(16).toUpperCase()}`) + query; }
    case 2: return splice(at(slashes), 0, '/') + query;
    case 3: return splice(at(slashes), 0, '/.') + query;
    default: return `${pathPart}/${query}`;
  }
}
