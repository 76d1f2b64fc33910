// Two dashboard details in Debian's chromium against a real server, Docker,
// Redis and git, with apps/procfile-worker (web and worker, no build step):
// the apps page's process count says which processes it counts, and the
// Metrics tab's latency chart draws a burst of requests that fell in one
// minute (a lone value between null minutes used to draw nothing).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { startBerth, type Berth } from '../helpers/berth.js';
import { push, sampleRepo } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { removeAppObjects } from '../helpers/docker.js';
import { launchBrowser, openPage, screenshot, signInWith } from '../helpers/browser.js';

/** Pixels of the canvas in `box` within a small distance of `rgb`. */
async function pixelsOf(page: Page, box: number, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(([i, [r, g, b]]) => {
    const canvas = document.querySelectorAll('.chart-box canvas')[i] as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let p = 0; p < data.length; p += 4) {
      if (Math.abs(data[p]! - r) + Math.abs(data[p + 1]! - g) + Math.abs(data[p + 2]! - b) < 30 && data[p + 3]! > 200) n++;
    }
    return n;
  }, [box, rgb] as const);
}

describe('dashboard: process counts and the latency chart', () => {
  let berth: Berth;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  const app = `d-${randomBytes(4).toString('hex')}`;

  before(async () => {
    berth = await startBerth();
    const res = await push(await sampleRepo('procfile-worker'), berth.remote(app));
    assert.equal(res.code, 0, res.output);
    browser = await launchBrowser();
    ({ page, problems } = await openPage(await browser.newContext({ viewport: { width: 1440, height: 900 } })));
    await signInWith(page, `http://127.0.0.1:${berth.apiPort}`, berth.token);
  });
  after(async () => {
    await Promise.race([browser?.close(), new Promise((r) => setTimeout(r, 10_000))]);
    await berth?.destroy();
    removeAppObjects([app]);
  });

  test('the apps page says the count is of web processes: web=1 worker=1 (web 1/1 up)', async () => {
    const cell = page.locator('tr', { hasText: app }).locator('td[data-label="Processes"]');
    await cell.filter({ hasText: 'web 1/1 up' }).waitFor({ timeout: 30_000 });
    assert.equal((await cell.textContent())?.trim(), 'web=1 worker=1 (web 1/1 up)');
  });

  test('the latency chart draws requests that all fell in one minute', async () => {
    // All in one minute: a burst that crosses a minute boundary would draw a line even before the fix.
    if (new Date().getSeconds() > 45) await sleep((61 - new Date().getSeconds()) * 1000);
    for (let i = 0; i < 60; i++) assert.equal((await viaRouter(berth.routerPort, `${app}.localhost`)).status, 200);
    // The router flushes its buckets each second and the tab reloads each half
    // minute: open it only once the API has the burst, or the first load can
    // miss it and the next comes too late.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1/apps/${app}/metrics?minutes=60`, { headers: { authorization: `Bearer ${berth.token}` } });
      const series = ((await res.json()) as { series: { count: number }[] }).series;
      if (series.reduce((a, p) => a + p.count, 0) >= 60) break;
      assert.ok(Date.now() < deadline, `the router's metrics never reached 60 requests: ${JSON.stringify(series.filter((p) => p.count))}`);
      await sleep(250);
    }
    await page.goto(`http://127.0.0.1:${berth.apiPort}/apps/${app}/metrics`);
    await page.locator('.panel', { hasText: /[1-9]\d* requests/ }).waitFor({ timeout: 30_000 });
    await page.locator('.chart-box canvas').nth(1).waitFor();
    await sleep(300); // uPlot draws on the next frame
    await screenshot(page, 'metrics-one-minute-burst');
    const p50 = await pixelsOf(page, 1, [0x3b, 0x82, 0xf6]);
    const p95 = await pixelsOf(page, 1, [0xa8, 0x55, 0xf7]);
    // Where p50 and p95 are close, one point covers the other: together they must show.
    assert.ok(p50 + p95 > 20, `p50 and p95 are drawn: ${p50} and ${p95} pixels of their colours`);
    assert.deepEqual(problems.filter((p) => !/ERR_CONNECTION|net::|Failed to load resource/.test(p)), [], 'no page errors');
  });
});
