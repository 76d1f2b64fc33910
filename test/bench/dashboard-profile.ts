// Where the dashboard's main thread goes while 1,000 log lines a second
// stream into the Logs tab (and while the apps page loads): a chromium trace
// (CDP Tracing, devtools.timeline) summed by event name inside each task over
// 50 ms. A tool for finding causes, not a benchmark: its numbers are relative.
// Usage: npm run build && node --import tsx test/bench/dashboard-profile.ts
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CDPSession, Page } from 'playwright-core';
import { startBerth } from '../helpers/berth.js';
import { api } from '../helpers/api.js';
import { launchBrowser, signInWith } from '../helpers/browser.js';
import { attachRedis } from '../../src/store/routes.js';
import { appendAppLog } from '../../src/store/app-logs.js';

interface TraceEvent { name: string; ph: string; ts: number; dur?: number; tid: number; pid: number; args?: any }

async function trace(cdp: CDPSession, during: () => Promise<void>): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (d) => { events.push(...(d.value as unknown as TraceEvent[])); });
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8', transferMode: 'ReportEvents' });
  await during();
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.end');
  await done;
  return events;
}

/** Sums complete events nested in long RunTask events of the renderer's main thread. */
function summarise(events: TraceEvent[], label: string): void {
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const onMain = events.filter((e) => e.ph === 'X' && main && e.tid === main.tid && e.pid === main.pid);
  const tasks = onMain.filter((e) => e.name === 'RunTask' && (e.dur ?? 0) > 50_000);
  const sums = new Map<string, number>();
  for (const t of tasks) {
    for (const e of onMain) {
      if (e === t || e.ts < t.ts || e.ts + (e.dur ?? 0) > t.ts + t.dur!) continue;
      const key = e.name === 'FunctionCall' || e.name === 'EventDispatch' ? `${e.name} ${e.args?.data?.functionName || e.args?.data?.type || ''}` : e.name;
      sums.set(key, (sums.get(key) ?? 0) + (e.dur ?? 0));
    }
  }
  console.log(`\n${label}: ${tasks.length} tasks over 50 ms, longest ${Math.max(0, ...tasks.map((t) => t.dur! / 1000)).toFixed(0)} ms; inside them (ms, nested events overlap):`);
  for (const [k, v] of [...sums].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${(v / 1000).toFixed(1).padStart(8)}  ${k}`);
}

/** Self time by function (CDP Profiler) while `during` runs. */
async function profile(cdp: CDPSession, during: () => Promise<void>, label: string): Promise<void> {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await during();
  const { profile: p } = await cdp.send('Profiler.stop');
  const dt = new Map<number, number>();
  p.samples!.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (p.timeDeltas![i] ?? 0)));
  const self = new Map<string, number>();
  for (const n of p.nodes) {
    const cf = n.callFrame;
    const k = `${cf.functionName || '(anonymous)'} ${cf.url.split('/').pop()}:${cf.lineNumber + 1}`;
    self.set(k, (self.get(k) ?? 0) + (dt.get(n.id) ?? 0));
  }
  console.log(`\n${label}: self time by function (ms)`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${(v / 1000).toFixed(1).padStart(8)}  ${k}`);
}

async function main(): Promise<void> {
  const berth = await startBerth();
  const browser = await launchBrowser();
  const redis = await attachRedis({ path: path.join(berth.dataDir, 'redis', 'redis.sock'), maxRetriesPerRequest: null }, berth.env.BERTH_REDIS_PREFIX!);
  try {
    const base = `http://127.0.0.1:${berth.apiPort}`;
    for (let i = 0; i < 100; i++) await api(berth.apiPort, berth.token, 'POST', '/apps', { name: `p-${i}` });
    const page: Page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    const cdp = await page.context().newCDPSession(page);
    await signInWith(page, base, berth.token);
    summarise(await trace(cdp, async () => {
      await page.goto(`${base}/`);
      await page.waitForFunction(() => document.querySelectorAll('table.apps tbody tr').length === 100);
    }), 'apps page load');
    await page.goto(`${base}/apps/p-0/logs`);
    await page.locator('.live', { hasText: 'live' }).waitFor();
    summarise(await trace(cdp, async () => {
      for (let tick = 0; tick < 50; tick++) {
        await appendAppLog(redis, 'p-0', Array.from({ length: 100 }, (_, k) => ({ time: new Date().toISOString(), process: `web.${k % 2 + 1}`, line: `GET /items/${tick * 100 + k} status=200 service=12ms` })), 100_000);
        await sleep(100);
      }
    }), 'logs streaming 1,000 lines/s for 5 s');
    await profile(cdp, async () => {
      for (let tick = 0; tick < 50; tick++) {
        await appendAppLog(redis, 'p-0', Array.from({ length: 100 }, (_, k) => ({ time: new Date().toISOString(), process: `web.${k % 2 + 1}`, line: `GET /items/${tick * 100 + k} status=200 service=12ms` })), 100_000);
        await sleep(100);
      }
    }, 'logs streaming, JS');
  } finally {
    await redis.close();
    await browser.close();
    await berth.destroy();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
