// Many apps on one host: deploys N tiny Dockerfile apps on one server, then
// reports the server's and the router workers' memory, a full reconcile
// (a server restart with N apps running: it reconciles every app before it
// answers /healthz, so the time to healthy is the reconcile plus the start),
// and the push time of app N+1 against app 1's (pushed on an empty server),
// both through the same server in the same run. The baseline restart is the
// same server with one app, at the start.
//
// Each app gets its own /24 network: the bench uses its own pool
// (10.214.0.0/16) so it leaves the default pool to other servers on this Docker.
//
// Usage: npm run bench:apps   (needs `npm run build` and the stack images)
//   BENCH_APPS=200  BENCH_PARALLEL=4 (pushes in flight)  BENCH_BUDGET_MIN=30
//   (stop deploying more apps after this long and report how many are up)
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { push } from '../helpers/git.js';
import { removeAppObjects } from '../helpers/docker.js';
import { viaRouter } from '../helpers/http.js';
import { tinyPage, tinyRepo } from '../helpers/tiny-app.js';
import { memMb, routerMemLine } from './proc-memory.js';

const APPS = Number(process.env.BENCH_APPS ?? 200);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 4);
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MIN ?? 30) * 60_000;

const tag = randomBytes(3).toString('hex');
const appName = (i: number) => `bench-n${tag}-${i}`;

async function timedDeploy(berth: Berth, app: string): Promise<number> {
  const repo = await tinyRepo(app);
  try {
    const t0 = performance.now();
    const res = await push(repo, berth.remote(app));
    if (res.code !== 0) throw new Error(`push of ${app} failed:\n${res.output}`);
    return performance.now() - t0;
  } finally {
    await rm(repo, { recursive: true, force: true });
  }
}

/** A restart's time to healthy; past the helper's 60 s deadline it keeps waiting (up to 15 min). */
async function restartTime(berth: Berth): Promise<number> {
  await berth.stop();
  const t0 = performance.now();
  await berth.start().catch(async (err: Error) => {
    if (berth.pid() === undefined) throw err;
    while (!(await fetch(`http://127.0.0.1:${berth.apiPort}/healthz`).then((r) => r.ok, () => false))) {
      if (performance.now() - t0 > 15 * 60_000) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  });
  return performance.now() - t0;
}

async function serving(berth: Berth, apps: string[]): Promise<number> {
  let ok = 0;
  for (const app of apps) if ((await viaRouter(berth.routerPort, `${app}.localhost`).catch(() => undefined))?.body === tinyPage(app, 1)) ok++;
  return ok;
}

const memLine = async (berth: Berth) => {
  const m = memMb(berth.pid()!);
  return `server ${m.rss} MB (${m.anon} MB private); ${await routerMemLine(berth)}`;
};

async function main(): Promise<void> {
  const berth = await startBerth({ BERTH_DRAIN_MS: '0', BERTH_APP_NETWORK_POOL: '10.214.0.0/16', BERTH_BOOT_TIMEOUT_SEC: '120' });
  const deployed: string[] = [];
  let next = 2;
  const started = Date.now();
  try {
    const first = await timedDeploy(berth, appName(1));
    deployed.push(appName(1));
    const memAtOne = await memLine(berth);
    console.log(`app 1: pushed to live in ${(first / 1000).toFixed(1)} s; ${memAtOne}`);
    const restartOne = await restartTime(berth);
    console.log(`restart to healthy with 1 app: ${(restartOne / 1000).toFixed(1)} s`);
    const failures: string[] = [];
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      while (next <= APPS && Date.now() - started < BUDGET_MS) {
        const app = appName(next++);
        try { await timedDeploy(berth, app); deployed.push(app); } catch (err) { failures.push((err as Error).message.slice(0, 400)); }
        if (deployed.length % 20 === 0) console.error(`${deployed.length} apps up after ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
    }));
    const n = deployed.length;
    await new Promise((r) => setTimeout(r, 10_000));
    const memAtN = await memLine(berth);
    console.log(`${n} apps up: ${memAtN}`);
    const restartN = await restartTime(berth);
    console.log(`restart to healthy with ${n} apps: ${(restartN / 1000).toFixed(1)} s`);
    const up = await serving(berth, deployed);
    const lastApp = appName(APPS + 1);
    const last = await timedDeploy(berth, lastApp);
    deployed.push(lastApp);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(`\nmany apps: ${n} of ${APPS} tiny Dockerfile apps deployed in ${s(Date.now() - started)} (${PARALLEL} pushes in flight${failures.length ? `, ${failures.length} failed` : ''})`);
    console.log(`  memory, settled: with 1 app: ${memAtOne}`);
    console.log(`                   with ${n} apps: ${memAtN}`);
    console.log(`  full reconcile (restart to healthy): ${s(restartN)} with ${n} apps, against ${s(restartOne)} with 1 app; ${up}/${n} apps served after it`);
    console.log(`  push to live of app ${n + 1}: ${s(last)}, against ${s(first)} for app 1 on the empty server (${(last / first).toFixed(2)}x)`);
    for (const f of failures.slice(0, 3)) console.log(`  failure: ${f}`);
  } finally {
    await berth.destroy();
    // Every app a push was started for (a failed one may have left objects), and app N+1.
    removeAppObjects([...Array.from({ length: next - 1 }, (_, i) => appName(i + 1)), appName(APPS + 1)]);
  }
}

await main();
