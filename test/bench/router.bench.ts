// Router benchmark: wrk (Debian's) against one backend container, in one run:
//   direct           wrk -> container
//   nginx auto       wrk -> nginx (`worker_processes auto`, upstream keep-alive, as on a Dokku host) -> container: the baseline
//   nginx 1          the same with `worker_processes 1`
//   berth default    wrk -> `berth server --role router` (its default: one cluster worker per core) -> container
//   berth 1          the same with BERTH_ROUTER_WORKERS=1 (the router in the server process)
//   http-proxy-3     a stock http-proxy-3 server with a keep-alive agent (the old router's core)
//   bare             the barest node:http proxy
// Each target runs once per round and the rounds interleave, so a noisy
// stretch of this shared VM hits every target alike; the figures are the
// medians over the rounds. Then: the router's memory with 10,000 routes
// loaded (at start, settled, under load) and route-change propagation to two
// routers. Last, HTTP/2 over TLS with h2load (Debian's nghttp2-client):
// Berth's TLS port against nginx with `listen ... ssl http2` (bookworm's
// nginx 1.22 predates `http2 on`), both forwarding HTTP/1.1 to the backend.
//
// Usage: npm run build && node --import tsx test/bench/router.bench.ts
//   BENCH_SECONDS=10  BENCH_ROUNDS=3  BENCH_CONNECTIONS=64
//   BENCH_NODE_FLAGS="..." (V8 flags for the Berth routers; default: the
//     server's own, src/shared/node-flags.ts; "" for node's defaults)
//   BENCH_PROFILE=1 (writes a --cpu-prof of the Berth router and prints its
//     top self-time functions)
//   BENCH_H2_STREAMS=10 (h2load -m: concurrent streams per connection; its -c is
//     BENCH_CONNECTIONS / 4)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, ROOT } from '../helpers/berth.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { setRoute } from '../../src/store/routes.js';
import { SERVER_NODE_FLAGS } from '../../src/shared/node-flags.js';
import { median } from './wait-for-200.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`BENCH_ROUNDS must be a whole number of at least 1, not ${process.env.BENCH_ROUNDS}`);
const PROFILE = process.env.BENCH_PROFILE === '1';
const H2_STREAMS = Number(process.env.BENCH_H2_STREAMS ?? 10);
const NODE_FLAGS = process.env.BENCH_NODE_FLAGS === undefined ? [...SERVER_NODE_FLAGS] : process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean);
const LABEL = `berth.app=bench-router-${randomBytes(3).toString('hex')}`;
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

// The backend: node's http server in the run image, answering 13 bytes.
const BACKEND = `require('http').createServer((q,s)=>{s.writeHead(200,{'content-type':'text/plain','content-length':'13'});s.end('Hello, Berth\\n')}).listen(5000)`;

interface Result { name: string; rps: number; p50: number; p99: number; errors: number }

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

function wrk(name: string, url: string, host?: string, seconds = SECONDS): Result {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', ...(host ? ['-H', `Host: ${host}`] : []), url];
  const out = execFileSync('wrk', args, { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p50 = toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
  const p99 = toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const errs = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1];
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = Number(errs ?? 0) + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { name, rps, p50, p99, errors };
}

async function untilUp(port: number, host = 'x'): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, headers: { host }, agent: false }, (res) => { res.resume(); resolve(res.statusCode === 200); });
      req.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing answered 200 on ${port} for ${host}`);
}

function child(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const c = spawn(cmd, args, { env, stdio: ['ignore', process.env.BENCH_VERBOSE ? 'inherit' : 'ignore', 'pipe'] });
  c.stderr!.on('data', (d) => { if (process.env.BENCH_VERBOSE) process.stderr.write(d); });
  return c;
}

async function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null) return;
  const gone = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await Promise.race([gone, sleep(10_000)]);
}

async function startNginx(dir: string, upstream: string, workers: 'auto' | '1'): Promise<{ port: number; tlsPort: number; proc: ChildProcess }> {
  const port = await freePort();
  const tlsPort = await freePort();
  dir = path.join(dir, `nginx-${workers}`);
  await mkdir(dir, { recursive: true });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-subj', '/CN=*.bench.test'], { stdio: 'ignore' });
  const conf = `worker_processes ${workers}; error_log ${dir}/error.log; pid ${dir}/nginx.pid; daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  upstream app { server ${upstream}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    listen 127.0.0.1:${tlsPort} ssl http2;
    ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem;
    location / {
      proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host $host; proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme; proxy_set_header X-Request-Id $request_id;
    }
  }
}`;
  await writeFile(path.join(dir, 'nginx.conf'), conf);
  const proc = child('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir]);
  await untilUp(port);
  return { port, tlsPort, proc };
}

interface H2Result { name: string; rps: number; meanMs: number; ok: number; failed: number }

/** h2load over TLS (ALPN h2): requests/s, mean request time and the counts it reports. */
function h2load(name: string, port: number, authority: string, seconds = SECONDS): H2Result {
  const clients = Math.max(1, Math.round(CONNECTIONS / 4));
  const out = execFileSync('h2load', ['-t1', `-c${clients}`, `-m${H2_STREAMS}`, `-D${seconds}`, '--warm-up-time=1', '-H', `:authority: ${authority}`, `https://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const rps = Number(/finished in [\d.]+\w*, ([\d.]+) req\/s/.exec(out)?.[1] ?? 0);
  const mean = /time for request:\s+\S+\s+\S+\s+(\S+)/.exec(out)?.[1] ?? '';
  const ok = Number(/status codes: (\d+) 2xx/.exec(out)?.[1] ?? 0);
  const failed = Number(/requests: .*?(\d+) failed/.exec(out)?.[1] ?? 0);
  return { name, rps, meanMs: toMs(mean), ok, failed };
}
const fmtH2 = (r: H2Result, nginx?: H2Result) => `${r.name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s   mean ${r.meanMs.toFixed(2)} ms   2xx ${r.ok}, failed ${r.failed}`
  + (nginx ? `   ${(r.rps / nginx.rps).toFixed(2)}x nginx rps` : '');

// Two reference proxies in plain node, one route, no checks: the old router's
// core (http-proxy-3 with a keep-alive agent), and the barest node:http proxy.
const REFERENCE = {
  'http-proxy-3': (upstream: string, port: number) => `import http from 'node:http'; import { createProxyServer } from 'http-proxy-3';
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
const proxy = createProxyServer({ xfwd: true, agent, target: 'http://${upstream}' });
proxy.on('error', (e, q, s) => { try { s.destroy(); } catch {} });
http.createServer((q, s) => proxy.web(q, s)).listen(${port}, '127.0.0.1');`,
  bare: (upstream: string, port: number) => `import http from 'node:http';
const [host, p] = '${upstream}'.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
http.createServer((q, s) => {
  const u = http.request({ host, port: p, method: q.method, path: q.url, headers: q.headers, agent }, (r) => { s.writeHead(r.statusCode, r.headers); r.pipe(s); });
  u.on('error', () => s.destroy());
  q.pipe(u);
}).listen(${port}, '127.0.0.1');`,
};

async function startReference(kind: keyof typeof REFERENCE, upstream: string): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const script = REFERENCE[kind](upstream, port);
  const file = path.join(ROOT, `.bench-${kind}-${process.pid}.mjs`);
  await writeFile(file, script);
  const proc = child(process.execPath, [file]);
  proc.once('exit', () => void rm(file, { force: true }));
  await untilUp(port);
  return { port, proc };
}

/** `keysFrom`: a running router's data dir, whose key this one needs to open the TLS fallback pair both share in Redis. */
async function startRouter(redis: TestRedis, env: Record<string, string>, profileDir?: string, keysFrom?: string) {
  const port = await freePort();
  const tlsPort = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-'));
  if (keysFrom) await copyFile(path.join(keysFrom, 'secrets.key'), path.join(dataDir, 'secrets.key'));
  const opts = redis.handle.options;
  const proc = child(process.execPath, [
    ...NODE_FLAGS,
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    path.join(ROOT, 'dist/main/index.js'), 'server', '--role', 'router',
  ], {
    PATH: process.env.PATH, HOME: process.env.HOME, BERTH_DATA_DIR: dataDir, BERTH_ROUTER_PORT: String(port), BERTH_ROUTER_TLS_PORT: String(tlsPort),
    BERTH_BIND: '127.0.0.1', BERTH_DOMAIN: 'bench.test', REDIS_URL: `redis://${opts.host}:${opts.port}`,
    BERTH_REDIS_PREFIX: redis.handle.prefix, BERTH_API_PORT: String(await freePort()), ...env,
  });
  return { port, tlsPort, proc, dataDir };
}

/** Resident memory now, its private part (not node's shared binary) and its peak (VmHWM), in MB. */
function memMb(pid: number): { rss: number; anon: number; peak: number } {
  const status = execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' });
  const mb = (field: string) => Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
  return { rss: mb('VmRSS'), anon: mb('RssAnon'), peak: mb('VmHWM') };
}

const childPids = (pid: number) => execFileSync('sh', ['-c', `pgrep -P ${pid} || true`], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);

/** Time from a route write until the router serves it, per router. */
async function propagation(redis: TestRedis, ports: number[], upstream: string, rounds = 20): Promise<number[]> {
  const app = `prop${randomBytes(3).toString('hex')}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const status = (port: number) => new Promise<number>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, headers: { host: `${app}.bench.test` }, agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', () => resolve(0));
  });
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const up = i % 2 === 0;
    const want = up ? 200 : 503;
    const t0 = performance.now();
    await setRoute(redis.handle, { app, upstreams: up ? [upstream] : [], release: 'v1' });
    await Promise.all(ports.map(async (port) => {
      while ((await status(port)) !== want) { /* spin */ }
      samples.push(performance.now() - t0);
    }));
  }
  agent.destroy();
  return samples.sort((a, b) => a - b);
}

async function topOfProfile(dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const lines: string[] = [];
  for (const f of files) {
    const prof = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as {
      nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[];
    };
    const self = new Map<number, number>();
    for (const s of prof.samples) self.set(s, (self.get(s) ?? 0) + 1);
    const byName = new Map<string, number>();
    let idle = 0;
    for (const n of prof.nodes) {
      const where = n.callFrame.url ? `${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : '';
      const key = `${n.callFrame.functionName || '(anonymous)'} ${where}`;
      if (n.callFrame.functionName === '(idle)') idle += self.get(n.id) ?? 0;
      else byName.set(key, (byName.get(key) ?? 0) + (self.get(n.id) ?? 0));
    }
    // Self time as a share of the busy samples: the router idles between runs.
    const total = prof.samples.length - idle;
    lines.push(`${f}: ${total} busy samples`);
    for (const [k, v] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 20)) lines.push(`  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  }
  return lines;
}

const fmt = (r: Result, nginx?: Result) =>
  `${r.name.padEnd(22)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms`
  + (nginx ? `   ${(r.rps / nginx.rps).toFixed(2)}x nginx rps, p99 ${(r.p99 / nginx.p99).toFixed(2)}x` : '')
  + (r.errors ? `   (${r.errors} errors!)` : '');

/** The per-round medians of one target, field by field. */
const medianOf = (rounds: Result[]): Result => ({
  name: rounds[0]!.name, rps: median(rounds.map((r) => r.rps)), p50: median(rounds.map((r) => r.p50)),
  p99: median(rounds.map((r) => r.p99)), errors: rounds.reduce((a, r) => a + r.errors, 0),
});

// V8 shrinks a heap grown by the start-up burst (module loading, the first
// full route load) only after some idle seconds (its memory reducer), so
// "settled" waits for that. The peak (VmHWM) is mostly one moment: the first
// proxied request compiles undici's llhttp WebAssembly, ~29 MB of compiler
// memory for a fraction of a second (it goes with --liftoff-only, at the cost
// of slower parsing).
const SETTLE_MS = 30_000;

async function main(): Promise<void> {
  const cleanup: (() => Promise<void>)[] = [];
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'berth-router-bench-'));
  const redis = await startTestRedis();
  cleanup.push(() => redis.stop(), () => rm(tmp, { recursive: true, force: true }));
  try {
    const id = docker('run', '-d', '--label', LABEL, '-v', `${process.execPath}:/usr/local/bin/node:ro`, 'berth/stack:bookworm', 'node', '-e', BACKEND);
    cleanup.push(async () => { docker('rm', '-f', id); });
    const ip = docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id);
    const upstream = `${ip}:5000`;
    for (let i = 0; i < 100; i++) { try { execFileSync('curl', ['-fsS', `http://${upstream}/`]); break; } catch { await sleep(100); } }

    const app = 'bench';
    await setRoute(redis.handle, { app, upstreams: [upstream], release: 'v1' });
    const nginx = await startNginx(tmp, upstream, 'auto');
    cleanup.push(() => stop(nginx.proc));
    const nginx1 = await startNginx(tmp, upstream, '1');
    cleanup.push(() => stop(nginx1.proc));
    const profileDir = PROFILE ? path.join(tmp, 'profile') : undefined;
    const berth = await startRouter(redis, { BERTH_ROUTER_WORKERS: '1', BERTH_ROUTER_ACCESS_LOG: 'on' }, profileDir);
    cleanup.push(() => stop(berth.proc), () => rm(berth.dataDir, { recursive: true, force: true }));
    const cores = os.availableParallelism();
    const host = `${app}.bench.test`;
    await untilUp(berth.port, host);
    // No BERTH_ROUTER_WORKERS: what a default install runs.
    const berthN = await startRouter(redis, {}, undefined, berth.dataDir);
    cleanup.push(() => stop(berthN.proc), () => rm(berthN.dataDir, { recursive: true, force: true }));
    const hp3 = await startReference('http-proxy-3', upstream);
    cleanup.push(() => stop(hp3.proc));
    const bare = await startReference('bare', upstream);
    cleanup.push(() => stop(bare.proc));
    await untilUp(berthN.port, host);

    const targets: [name: string, url: string, host?: string][] = [
      ['direct', `http://${upstream}/`],
      [`nginx auto (${cores} w.)`, `http://127.0.0.1:${nginx.port}/`],
      [`berth default (${cores} w.)`, `http://127.0.0.1:${berthN.port}/`, host],
      ['nginx (1 worker)', `http://127.0.0.1:${nginx1.port}/`],
      ['berth (1 worker)', `http://127.0.0.1:${berth.port}/`, host],
      ['stock http-proxy-3', `http://127.0.0.1:${hp3.port}/`],
      ['bare node:http proxy', `http://127.0.0.1:${bare.port}/`],
    ];
    // Warm-up (JIT, pools), then the measured rounds.
    for (const [name, url, h] of targets) wrk(name, url, h, 2);
    const rounds = targets.map((): Result[] => []);
    for (let r = 0; r < ROUNDS; r++) targets.forEach(([name, url, h], i) => rounds[i]!.push(wrk(name, url, h)));
    const [direct, viaNginx, ...proxies] = rounds.map(medianOf);

    console.log(`\nrouter benchmark: wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, median of ${ROUNDS} interleaved rounds, ${cores} cores, `
      + `backend ${upstream} (node in berth/stack:bookworm), Berth routers on node ${NODE_FLAGS.join(' ') || '(no flags)'}\n`);
    console.log(fmt(direct!));
    console.log(fmt(viaNginx!));
    for (const p of proxies) console.log(fmt(p, viaNginx));
    // Each round's Berth run against the nginx run of the same round (the same stretch of noise).
    const ratio = (x: { rps: number; p99: number }) => `${x.rps.toFixed(2)}x/${x.p99.toFixed(2)}x`;
    for (const [b, n, label] of [[2, 1, `berth default vs nginx auto`], [4, 3, 'berth (1 worker) vs nginx (1 worker)']] as const) {
      const paired = rounds[b]!.map((x, r) => ({ rps: x.rps / rounds[n]![r]!.rps, p99: x.p99 / rounds[n]![r]!.p99 }));
      console.log(`${label} round by round, rps/p99: ${paired.map(ratio).join(', ')}; `
        + `median ${ratio({ rps: median(paired.map((x) => x.rps)), p99: median(paired.map((x) => x.p99)) })}`);
    }

    // HTTP/2 over TLS, the same interleaving.
    const h2Targets: [name: string, port: number, authority: string][] = [
      [`nginx auto h2 (${cores} w.)`, nginx.tlsPort, host],
      [`berth default h2 (${cores} w.)`, berthN.tlsPort, host],
      ['nginx h2 (1 worker)', nginx1.tlsPort, host],
      ['berth h2 (1 worker)', berth.tlsPort, host],
    ];
    for (const [name, port, a] of h2Targets) h2load(name, port, a, 2);
    const h2Rounds = h2Targets.map((): H2Result[] => []);
    for (let r = 0; r < ROUNDS; r++) h2Targets.forEach(([name, port, a], i) => h2Rounds[i]!.push(h2load(name, port, a)));
    const h2Median = (rs: H2Result[]): H2Result => ({
      name: rs[0]!.name, rps: median(rs.map((x) => x.rps)), meanMs: median(rs.map((x) => x.meanMs)),
      ok: rs.reduce((n, x) => n + x.ok, 0), failed: rs.reduce((n, x) => n + x.failed, 0),
    });
    const [h2Nginx, h2Berth, h2Nginx1, h2Berth1] = h2Rounds.map(h2Median);
    console.log(`\nHTTP/2 over TLS: h2load -t1 -c${Math.max(1, Math.round(CONNECTIONS / 4))} -m${H2_STREAMS} -D${SECONDS}, median of ${ROUNDS} interleaved rounds`);
    console.log(fmtH2(h2Nginx!));
    console.log(fmtH2(h2Berth!, h2Nginx));
    console.log(fmtH2(h2Nginx1!));
    console.log(fmtH2(h2Berth1!, h2Nginx1));

    // Memory with 10,000 routes loaded.
    const m = redis.handle.client.multi();
    for (let i = 0; i < 10_000; i++) {
      m.hset(redis.handle.key('routes'), `app${i}`, JSON.stringify({ app: `app${i}`, upstreams: [`172.17.${i >> 8}.${i & 255}:5000`], release: 'v1', updatedAt: Date.now() }));
    }
    await m.exec();
    const big = await startRouter(redis, { BERTH_ROUTER_WORKERS: '1' });
    cleanup.push(() => stop(big.proc), () => rm(big.dataDir, { recursive: true, force: true }));
    // A cluster worker is a router-only process (src/router/cluster-worker.ts).
    const bigCluster = await startRouter(redis, { BERTH_ROUTER_WORKERS: '2' });
    cleanup.push(() => stop(bigCluster.proc), () => rm(bigCluster.dataDir, { recursive: true, force: true }));
    await untilUp(big.port, host);
    await untilUp(bigCluster.port, host);
    const atStart = memMb(big.proc.pid!);
    await sleep(SETTLE_MS);
    const settled = memMb(big.proc.pid!);
    const workers = childPids(bigCluster.proc.pid!).map(memMb);
    const loaded = wrk('berth, 10,000 routes', `http://127.0.0.1:${big.port}/`, host);
    const underLoad = memMb(big.proc.pid!);
    const show = (x: { rss: number; anon: number }) => `${x.rss} MB (${x.anon} MB private)`;
    console.log(`\nmemory (RSS) with 10,000 routes loaded, \`berth server --role router\` with BERTH_ROUTER_WORKERS=1; "private" leaves out node's own binary, shared by every node process:`
      + `\n  once serving ${show(atStart)}, peak since start ${atStart.peak} MB; settled (${SETTLE_MS / 1000} s idle) ${show(settled)};`
      + ` at the end of a wrk run through it (${loaded.rps.toFixed(0)} req/s) ${show(underLoad)}`
      + `\n  router-only cluster workers, settled: ${workers.map(show).join(' and ')}`);

    const samples = await propagation(redis, [berth.port, big.port], upstream);
    const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!.toFixed(1);
    console.log(`route change -> served by both routers: p50 ${pct(0.5)} ms, max ${samples.at(-1)!.toFixed(1)} ms (${samples.length} samples)`);

    if (profileDir) {
      await stop(berth.proc);
      console.log(`\ncpu profile of the 1-worker router (${profileDir}):`);
      for (const l of await topOfProfile(profileDir)) console.log(l);
    }
  } finally {
    for (const c of cleanup.reverse()) await c().catch((err) => console.error(`cleanup: ${err.message}`));
  }
}

await main();
