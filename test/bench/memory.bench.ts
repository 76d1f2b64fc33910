// Memory over time: the server's resident memory at start, after the first
// deploy and after 10 and 100 redeploys of one tiny Dockerfile app, each
// reading taken after the server has idled (V8 gives memory back only then),
// so the curve shows whether it plateaus. The router's cluster workers are
// read alongside. With BENCH_HEAP=1, a V8 heap snapshot is taken at each
// checkpoint and the constructors that grew most are printed: what holds the
// memory. (A snapshot costs memory itself: take the RSS figures from a run
// without it.)
//
// Usage: npm run bench:memory   (needs `npm run build` and the stack images)
//   BENCH_REDEPLOYS=100  BENCH_SETTLE_SEC=10  BENCH_HEAP=1
//   BENCH_ROUTER_WORKERS=1 (one router worker: the router process serves by itself, as before
//   one worker per core became the default)
//   BENCH_SAMPLE=static-site (an apps/ sample instead, e.g. a buildpack app;
//   each redeploy commits a new file to it)
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, push, sampleRepo } from '../helpers/git.js';
import { removeAppObjects } from '../helpers/docker.js';
import { bumpTiny, tinyRepo } from '../helpers/tiny-app.js';
import { heapGrowth, heapSummary } from './heap-summary.js';
import { memMb, routerProcesses } from './proc-memory.js';

const REDEPLOYS = Number(process.env.BENCH_REDEPLOYS ?? 100);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_SEC ?? 10) * 1000;
const HEAP = process.env.BENCH_HEAP === '1';
const SAMPLE = process.env.BENCH_SAMPLE;
const CHECKPOINTS = [1, 3, 10, 25, 50, 100, 200, 500].filter((n) => n <= REDEPLOYS);
if (!CHECKPOINTS.includes(REDEPLOYS)) CHECKPOINTS.push(REDEPLOYS);

async function snapshot(berth: Berth, dir: string): Promise<string> {
  const before = new Set(await readdir(dir));
  process.kill(berth.pid()!, 'SIGUSR2');
  for (let i = 0; i < 600; i++) {
    await sleep(500);
    const file = (await readdir(dir)).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (!file) continue;
    const size = (await stat(path.join(dir, file))).size;
    await sleep(1000);
    if ((await stat(path.join(dir, file))).size === size && size > 0) return path.join(dir, file);
  }
  throw new Error('no heap snapshot was written');
}

async function main(): Promise<void> {
  const heapDir = await mkdtemp(path.join(os.tmpdir(), 'berth-heap-'));
  const berth = await startBerth({
    BERTH_DRAIN_MS: '0',
    ...(process.env.BENCH_ROUTER_WORKERS ? { BERTH_ROUTER_WORKERS: process.env.BENCH_ROUTER_WORKERS } : {}),
    ...(HEAP ? { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${heapDir}` } : {}),
  });
  const app = `bench-mem-${randomBytes(3).toString('hex')}`;
  const repo = SAMPLE ? await sampleRepo(SAMPLE) : await tinyRepo(app);
  const rows: { deploys: string; server: { rss: number; anon: number }; workers: { label: string; rss: number; anon: number }[] }[] = [];
  const heaps: { label: string; file: string }[] = [];
  const checkpoint = async (label: string) => {
    await sleep(SETTLE_MS);
    const pid = berth.pid()!;
    rows.push({ deploys: label, server: memMb(pid), workers: (await routerProcesses(berth)).map((p) => ({ label: p.label, ...memMb(p.pid) })) });
    console.error(`${label}: server ${JSON.stringify(rows.at(-1)!.server)}`);
    if (HEAP) heaps.push({ label, file: await snapshot(berth, heapDir) });
  };
  const deploy = async (v: number) => {
    if (v > 1 && SAMPLE) await commitFile(repo, 'bench-version.txt', `v${v}\n`);
    else if (v > 1) await bumpTiny(repo, app, v);
    const res = await push(repo, berth.remote(app));
    if (res.code !== 0) throw new Error(`push ${v} failed:\n${res.output}`);
  };
  try {
    await checkpoint('start (idle)');
    await deploy(1);
    await checkpoint('first deploy');
    for (let n = 1; n <= REDEPLOYS; n++) {
      await deploy(n + 1);
      if (CHECKPOINTS.includes(n)) await checkpoint(`${n} redeploys`);
    }
    console.log(`\nmemory over time: ${SAMPLE ? `apps/${SAMPLE}` : 'one tiny Dockerfile app'} redeployed ${REDEPLOYS} times; each reading after ${SETTLE_MS / 1000} s idle; MB, RSS (private)`);
    for (const r of rows) {
      console.log(`  ${r.deploys.padEnd(14)} server ${String(r.server.rss).padStart(4)} (${r.server.anon})   ${r.workers.map((w) => `${w.label} ${w.rss} (${w.anon})`).join(', ') || 'router in the server'}`);
    }
    for (let i = 1; i < heaps.length; i++) {
      console.log(`\nheap growth, ${heaps[i - 1]!.label} -> ${heaps[i]!.label}:`);
      for (const l of heapGrowth(await heapSummary(heaps[i - 1]!.file), await heapSummary(heaps[i]!.file))) console.log(l);
    }
    console.log(JSON.stringify(rows));
  } finally {
    await berth.destroy();
    removeAppObjects([app]);
    await rm(repo, { recursive: true, force: true });
    await rm(heapDir, { recursive: true, force: true });
  }
}

await main();
