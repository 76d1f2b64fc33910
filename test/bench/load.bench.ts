// Load benchmark: 10 pushes of 10 different apps at once, against the same
// 10 pushes one after another, in the same run. Each push is timed from
// `git push` to its exit (the app is live then; the hook waits for it), and
// a set from its first push to its last one's end. The first deploys of the
// apps run at once and are not counted; then rounds alternate which form
// goes first, so a noisy stretch of this shared VM hits both alike, and the
// figures are medians over rounds. The builds change one COPY layer each.
//
// Usage: npm run bench:load   (needs `npm run build` and the stack images)
//   BENCH_APPS=10  BENCH_ROUNDS=2  BENCH_CONCURRENCY (BERTH_BUILD_CONCURRENCY; default: the server's)
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { startBerth } from '../helpers/berth.js';
import { push } from '../helpers/git.js';
import { removeAppObjects } from '../helpers/docker.js';
import { viaRouter } from '../helpers/http.js';
import { bumpTiny, tinyPage, tinyRepo } from '../helpers/tiny-app.js';
import { median } from './wait-for-200.js';

const APPS = Number(process.env.BENCH_APPS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = process.env.BENCH_CONCURRENCY;

async function main(): Promise<void> {
  const berth = await startBerth({ BERTH_DRAIN_MS: '0', ...(CONCURRENCY ? { BERTH_BUILD_CONCURRENCY: CONCURRENCY } : {}) });
  const tag = randomBytes(3).toString('hex');
  const apps = Array.from({ length: APPS }, (_, i) => `bench-load-${tag}-${i}`);
  const repos: string[] = [];
  let version = 1;
  const pushOne = async (app: string, i: number) => {
    const res = await push(repos[i]!, berth.remote(app));
    if (res.code !== 0) throw new Error(`push of ${app} failed:\n${res.output}`);
    const page = (await viaRouter(berth.routerPort, `${app}.localhost`)).body;
    if (page !== tinyPage(app, version)) throw new Error(`${app} serves ${JSON.stringify(page)}, not v${version}`);
  };
  const bumpAll = async () => { version++; for (const [i, app] of apps.entries()) await bumpTiny(repos[i]!, app, version); };
  const timed = async (f: () => Promise<void>) => { const t0 = performance.now(); await f(); return performance.now() - t0; };
  const serial = () => timed(async () => { for (const [i, app] of apps.entries()) await pushOne(app, i); });
  const concurrent = () => timed(async () => { await Promise.all(apps.map(pushOne)); });
  const results = { serial: [] as number[], concurrent: [] as number[], firstDeploys: 0 };
  try {
    for (const app of apps) repos.push(await tinyRepo(app));
    results.firstDeploys = await concurrent();
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? [serial, concurrent] : [concurrent, serial];
      for (const form of order) {
        await bumpAll();
        const ms = await form();
        (form === serial ? results.serial : results.concurrent).push(ms);
        console.error(`round ${r + 1}: ${form === serial ? 'serial' : 'concurrent'} ${(ms / 1000).toFixed(1)} s`);
      }
    }
  } finally {
    await berth.destroy();
    removeAppObjects(apps);
    for (const d of repos) await rm(d, { recursive: true, force: true });
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const conc = CONCURRENCY ?? '2 (default)';
  console.log(`\nload: ${APPS} redeploys of ${APPS} different apps (tiny Dockerfile app), median of ${ROUNDS} interleaved rounds, BERTH_BUILD_CONCURRENCY=${conc}`);
  console.log(`  one after another  ${s(median(results.serial))}  (${s(median(results.serial) / APPS)} per push)`);
  console.log(`  all at once        ${s(median(results.concurrent))}  = ${(median(results.concurrent) / median(results.serial)).toFixed(2)}x the serial time`);
  const paired = results.concurrent.map((c, r) => (c / results.serial[r]!).toFixed(2));
  console.log(`  round by round, all at once / one after another: ${paired.join(', ')}`);
  console.log(`  first deploys of the ${APPS} apps, all at once: ${s(results.firstDeploys)}`);
  console.log(JSON.stringify(results));
}

await main();
