// The dashboard end to end in Debian's chromium against a real server,
// Docker, Redis and git: a push's build log streams into the open page (and
// survives a cut connection with no line lost or repeated), then config,
// releases with their diff, scale, rollback, domains, logs, metrics and
// destroy, all through the page; screenshots of every tab at 1440 and 390 px
// and axe in both colour schemes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startBerth, type Berth } from '../helpers/berth.js';
import { api } from '../helpers/api.js';
import { push, sampleRepo, type PushResult } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { removeAppObjects } from '../helpers/docker.js';
import { launchBrowser, openPage, screenshot, signInWith } from '../helpers/browser.js';
import { axeCheck } from '../helpers/axe.js';
import { startCutProxy, type CutProxy } from '../helpers/cut-proxy.js';

const TABS = ['overview', 'releases', 'builds', 'logs', 'run', 'config', 'scale', 'domains', 'certs', 'metrics', 'activity', 'settings'];

describe('dashboard in a real browser', () => {
  let berth: Berth;
  let proxy: CutProxy;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let problems: string[];
  let base: string;
  const app = `d-${randomBytes(4).toString('hex')}`;
  const call = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);
  const get = (p: string, host = `${app}.localhost`) => viaRouter(berth.routerPort, host, p);
  const tab = (name: string) => page.goto(`${base}/apps/${app}${name === 'overview' ? '' : `/${name}`}`);
  const ok = (text: string | RegExp) => page.locator('p.ok').filter({ hasText: text }).waitFor({ timeout: 90_000 });

  before(async () => {
    berth = await startBerth();
    // The browser reaches the server only through this relay, so the test can cut it.
    proxy = await startCutProxy(berth.apiPort);
    base = `http://127.0.0.1:${proxy.port}`;
    browser = await launchBrowser();
    ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    ({ page, problems } = await openPage(ctx));
    assert.equal((await call('POST', '/apps', { name: app })).status, 201);
    await signInWith(page, base, berth.token);
  });
  after(async () => {
    // Bounded: a browser that will not close must not keep the server below alive.
    await Promise.race([browser?.close(), new Promise((r) => setTimeout(r, 10_000))]);
    await proxy?.close();
    await berth?.destroy();
    removeAppObjects([app]);
  });

  test('a git push\'s build log streams into the open page while it runs, and a cut stream resumes with no line lost or repeated', async () => {
    await tab('builds');
    await page.getByText('No builds yet').waitFor();
    const repo = await sampleRepo('dockerfile-hello');
    let pushed: PushResult | undefined;
    const pushing = push(repo, berth.remote(app)).then((r) => { pushed = r; return r; });
    await page.locator('pre.buildlog .bl').first().waitFor({ timeout: 60_000 });
    assert.equal(pushed, undefined, 'the first line showed while git push was still running');
    const before = await page.locator('pre.buildlog .bl').count();
    assert.equal(await page.getByText(/Finished: /).count(), 0, 'cut before the build ended');
    assert.ok(proxy.cut() > 0, 'cut the open connections');
    await page.getByText('Finished: succeeded').waitFor({ timeout: 120_000 });
    const res = await pushing;
    assert.equal(res.code, 0, res.output);
    const shown = (await page.locator('pre.buildlog .bl').allTextContents()).map((l) => l.replace(/\n$/, ''));
    const stored = (await call('GET', `/apps/${app}/builds/latest/output`)).body.lines as string[];
    assert.ok(shown.length > before, `more lines came after the cut (${before} -> ${shown.length})`);
    assert.ok(proxy.resumedFrom.length > 0, 'the browser reconnected with Last-Event-ID');
    assert.deepEqual(shown, stored, 'the page shows exactly the stored log: nothing lost, nothing twice');
    // And the server resumed rather than replayed: every line crossed the wire once (+ the end event).
    const streams = proxy.connections.filter((c) => /\/builds\/[^/ ]+\/output\?follow=1/.test(c.path));
    const sentIds = streams.flatMap((c) => c.ids);
    assert.equal(new Set(sentIds).size, sentIds.length, `no event crossed the wire twice: ${JSON.stringify(streams.map((c) => c.ids.length))}`);
    assert.equal(sentIds.length, stored.length + 1, `build log events sent over all connections: ${JSON.stringify(streams.map((c) => [c.path, c.ids.length, c.dataEvents]))}`);
    const ids = await page.locator('pre.buildlog .bl').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(shown.some((l) => l.startsWith('-----> ')) && (await page.locator('.bl.step').count()) > 0, 'steps are styled as steps');
  });

  test('the overview shows the running app, its release, commit and processes', async () => {
    await tab('overview');
    await page.locator('.page-head .badge', { hasText: 'Running' }).waitFor({ timeout: 30_000 });
    await page.locator('dl.facts').getByRole('link', { name: 'v1' }).waitFor();
    assert.match(await page.locator('dl.facts').textContent() ?? '', /web=1/);
    await page.locator('td code', { hasText: 'web.1' }).waitFor();
    assert.equal((await get('/')).status, 200);
  });

  test('a config var set in the editor makes one release, its diff shows the key but not the value, and the app answers with it', async () => {
    await tab('config');
    await page.getByLabel('New name').fill('GREETING');
    await page.getByLabel('New value').fill('hola');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await ok('Set GREETING: v2 is live.');
    assert.equal((await get('/env/GREETING')).body, 'hola');
    assert.equal(await page.getByText('hola').count(), 0, 'masked until revealed');
    await page.getByRole('button', { name: 'Reveal GREETING' }).click();
    await page.locator('code', { hasText: 'hola' }).waitFor();
    await page.getByRole('button', { name: 'Edit GREETING' }).click();
    await page.getByLabel('Value of GREETING').fill('hello there');
    await page.getByLabel('New name').fill('COLOUR');
    await page.getByLabel('New value').fill('blue');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await ok('v3 is live.');
    assert.equal((await get('/env/GREETING')).body, 'hello there');
    const releases = (await call('GET', `/apps/${app}/releases`)).body.releases;
    assert.deepEqual(releases.map((r: { version: number }) => r.version), [3, 2, 1], 'one release per save');

    await tab('releases');
    const v3 = page.locator('.timeline > li', { hasText: 'v3' });
    await v3.waitFor();
    assert.match(await v3.textContent() ?? '', /Config/);
    assert.deepEqual(await v3.locator('.chip').allTextContents(), ['+added COLOUR ••••', '~changed GREETING ••••']);
    const v2 = page.locator('.timeline > li', { hasText: 'v2' });
    assert.deepEqual(await v2.locator('.chip').allTextContents(), ['+added GREETING ••••']);
    assert.match(await page.locator('.timeline > li', { hasText: 'v1' }).textContent() ?? '', /Deploy/);
    const text = await page.locator('.timeline').textContent() ?? '';
    assert.ok(!text.includes('hola') && !text.includes('hello there') && !text.includes('blue'), 'no value on the releases page');
  });

  test('scale web to 2 from the page', async () => {
    await tab('scale');
    await page.getByLabel('web', { exact: true }).fill('2');
    await page.getByRole('button', { name: 'Scale', exact: true }).click();
    await ok('Scaled to web=2.');
    const ps = (await call('GET', `/apps/${app}/ps`)).body;
    assert.equal(ps.formation.web, 2);
    assert.equal(ps.processes.filter((p: { type: string; state: string }) => p.type === 'web' && p.state === 'running').length, 2);
    const hosts = new Set<string>();
    for (let i = 0; i < 12; i++) hosts.add(JSON.parse((await get('/whoami')).body).hostname);
    assert.equal(hosts.size, 2, 'both replicas answer');
  });

  test('roll back to v2 with a confirmation; the app answers with v2\'s config', async () => {
    await tab('releases');
    const v2 = page.locator('.timeline > li', { hasText: 'v2' });
    await v2.getByRole('button', { name: 'Roll back to v2' }).click();
    await v2.getByRole('button', { name: 'Roll back', exact: true }).click();
    await ok('Rolled back to v2: v4 is live.');
    assert.equal((await get('/env/GREETING')).body, 'hola');
    assert.match(await page.locator('.timeline > li', { hasText: 'v4' }).textContent() ?? '', /Rollback/);
  });

  test('domains: a bad name shows the server\'s message and hint; a good one routes at once; remove it', async () => {
    await tab('domains');
    await page.getByLabel('Add a domain').fill('bad_name');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: '"bad_name" is not a valid hostname' }).waitFor();
    assert.match(await alert.textContent() ?? '', /use a name like www\.example\.com/);
    const host = `www.${app}.example.test`;
    await page.getByLabel('Add a domain').fill(host);
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.locator('ul.list code', { hasText: host }).waitFor();
    assert.deepEqual((await call('GET', `/apps/${app}/domains`)).body.domains, [host]);
    assert.equal((await get('/', host)).status, 200);
    await screenshot(page, 'domains-with-one-1440');
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('button', { name: 'Remove', exact: true }).last().click();
    await page.getByText('No custom domains yet.').waitFor();
    await call('POST', `/apps/${app}/domains`, { hostname: host });
  });

  test('logs stream in live with a process filter; metrics chart the router\'s per-minute counts', async () => {
    await tab('logs');
    await page.locator('.live', { hasText: 'live' }).waitFor();
    const marker = `marker-${randomBytes(3).toString('hex')}`;
    for (let i = 0; i < 20; i++) await get(`/${marker}`);
    await page.locator('.vlog .row', { hasText: marker }).first().waitFor({ timeout: 15_000 });
    await page.getByLabel('Process').selectOption('web');
    await page.locator('.live', { hasText: 'live' }).waitFor();
    await sleep(500);
    const rows = await page.locator('.vlog .row .lp').allTextContents();
    assert.ok(rows.length > 0 && rows.every((p) => p.startsWith('web.')), `only web lines: ${[...new Set(rows)]}`);
    await page.getByLabel('Process').selectOption('');

    await tab('metrics');
    // The tab loads its series at once and again every 30 s: on a loaded machine the first load can fail
    // (the page then says why), and the next one must draw the charts.
    await page.locator('.chart-box canvas').nth(1).waitFor({ timeout: 45_000 }).catch(async (err: Error) => {
      await screenshot(page, 'metrics-no-chart');
      throw new Error(`${err.message}\nthe page said: ${(await page.locator('main').textContent().catch(() => '')) ?? ''}`);
    });
    const series = (await call('GET', `/apps/${app}/metrics?minutes=60`)).body.series;
    assert.equal(series.length, 60);
    const total = series.reduce((a: number, m: { statuses: Record<string, number> }) => a + m.statuses['2xx']!, 0);
    assert.ok(total >= 20, `2xx in the last hour: ${total}`);
    assert.ok(series.some((m: { p50Ms: number | null }) => m.p50Ms !== null && m.p50Ms > 0));
    assert.match(await page.locator('.panel').textContent() ?? '', /\d+ requests/);
  });

  test('the activity tab lists who did what to the app, from the audit log', async () => {
    await tab('activity');
    await page.locator('table.activity tr[data-action="git:push"]').first().waitFor({ timeout: 30_000 });
    for (const action of ['git:push', 'config:set', 'ps:scale', 'releases:rollback']) {
      assert.ok(await page.locator(`table.activity tr[data-action="${action}"]`).count() > 0, `an ${action} row`);
    }
    const row = await page.locator('table.activity tr[data-action="config:set"]').first().textContent() ?? '';
    assert.match(row, /admin/);
    assert.match(row, /ok/);
    assert.match(row, /dashboard from 127\.0\.0\.1/, 'a change made in the page is logged as the dashboard\'s');
  });

  test('run a one-off command: its output streams into the page with its exit code; a detached one reports its container', async () => {
    await tab('run');
    await page.getByLabel('Command', { exact: true }).fill('echo "run says $GREETING"; echo to-stderr >&2; exit 3');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Exited with code 3' }).waitFor({ timeout: 120_000 });
    const out = await page.getByLabel('Command output').textContent() ?? '';
    assert.match(out, /run says hola/, 'the app\'s config is in the one-off container');
    assert.match(out, /to-stderr/);
    await screenshot(page, 'app-run-done-1440');
    await page.getByLabel('Detached').check();
    await page.getByLabel('Command', { exact: true }).fill('echo detached');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByRole('status').filter({ hasText: /Started detached as \S+/ }).waitFor({ timeout: 120_000 });
  });

  test('resource limits per process type: a bad size shows the server\'s message and hint; a good one is saved', async () => {
    await tab('scale');
    await page.getByLabel('Memory of web').fill('lots');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await page.getByRole('alert').filter({ hasText: 'invalid memory "lots"' }).waitFor();
    await page.getByLabel('Memory of web').fill('256m');
    await page.getByLabel('CPUs of web').fill('0.5');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await ok('Limits of web saved');
    assert.deepEqual((await call('GET', `/apps/${app}/resources`)).body.resources.web, { memoryBytes: 256 * 1024 ** 2, cpus: 0.5 });
    assert.equal(await page.getByLabel('Memory of web').inputValue(), '256m');
  });

  test('access: add a user, make a token for it (shown once, and it works), revoke it; add and remove an SSH key', async () => {
    await page.goto(`${base}/access`);
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    const user = `u${randomBytes(3).toString('hex')}`;
    await page.locator('#user-name').fill(user);
    await page.getByLabel('Apps').fill('Not_An_App');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('alert').first().waitFor();
    await page.getByLabel('Apps').fill(app);
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('row', { name: new RegExp(`^${user} deploy`) }).waitFor();
    await page.locator('#token-name').fill(`${user}-ci`);
    await page.getByLabel('Scope').fill(`deploy:${app}`);
    await page.locator('#token-user').selectOption(user);
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.locator('.notice code').textContent() ?? '';
    assert.ok(secret.length > 20, 'the new secret is shown');
    const whoami = await api(berth.apiPort, secret, 'GET', '/whoami');
    assert.equal(whoami.body.user, user);
    await page.getByRole('row', { name: new RegExp(`${user}-ci`) }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Revoke', exact: true }).last().click();
    await page.getByRole('row', { name: new RegExp(`${user}-ci.*revoked`) }).waitFor();
    assert.equal((await api(berth.apiPort, secret, 'GET', '/whoami')).status, 401);
    await screenshot(page, 'access-1440');

    const dir = await mkdtemp(path.join(tmpdir(), 'dash-key-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${user}@laptop`, '-f', path.join(dir, 'k')]);
    await page.locator('#key-user').selectOption(user);
    await page.getByLabel('Public key').fill(readFileSync(path.join(dir, 'k.pub'), 'utf8'));
    await page.getByRole('button', { name: 'Add key' }).click();
    const keyRow = page.getByRole('row', { name: new RegExp(`${user}@laptop`) });
    await keyRow.waitFor();
    assert.equal((await call('GET', `/keys?user=${user}`)).body.keys.length, 1);
    await keyRow.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('button', { name: 'Remove', exact: true }).last().click();
    await keyRow.waitFor({ state: 'detached' });
    assert.equal((await call('GET', `/keys?user=${user}`)).body.keys.length, 0);
    await rm(dir, { recursive: true, force: true });
  });

  test('every tab at 1440 and 390 px, in light and dark: screenshots, and no serious axe violation', async () => {
    // bypassCSP only lets axe's injected script run; the CSP itself is tested in session.test.ts.
    for (const scheme of ['light', 'dark'] as const) {
      const c = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: scheme, bypassCSP: true });
      const { page: p } = await openPage(c);
      await signInWith(p, base, berth.token);
      await p.getByRole('link', { name: app, exact: true }).waitFor();
      await axeCheck(p, `apps (${scheme})`);
      await screenshot(p, `apps-${scheme}-1440`);
      await p.goto(`${base}/access`);
      await p.getByRole('heading', { name: 'SSH keys' }).waitFor();
      await axeCheck(p, `access (${scheme})`);
      await screenshot(p, `access-${scheme}-1440`);
      if (scheme === 'light') {
        await p.setViewportSize({ width: 390, height: 844 });
        await screenshot(p, 'access-light-390');
        await p.goto(`${base}/`);
        await p.getByRole('link', { name: app, exact: true }).waitFor();
        await screenshot(p, 'apps-light-390');
        await p.setViewportSize({ width: 1440, height: 900 });
      }
      for (const t of TABS) {
        await p.goto(`${base}/apps/${app}${t === 'overview' ? '' : `/${t}`}`);
        await p.locator('.panel h2').first().waitFor();
        await p.waitForLoadState('networkidle').catch(() => undefined);
        await sleep(300);
        await axeCheck(p, `${t} (${scheme})`);
        await screenshot(p, `app-${t}-${scheme}-1440`);
        if (scheme === 'light') {
          await p.setViewportSize({ width: 390, height: 844 });
          await sleep(200);
          await screenshot(p, `app-${t}-light-390`);
          await p.setViewportSize({ width: 1440, height: 900 });
        }
      }
      await c.close();
    }
  });

  test('destroy needs the app\'s name typed; then the app is gone', async () => {
    await tab('settings');
    const button = page.getByRole('button', { name: `Destroy ${app}` });
    assert.equal(await button.isDisabled(), true);
    await page.getByLabel(`Type ${app} to confirm`).fill(app.slice(0, -1));
    assert.equal(await button.isDisabled(), true);
    await page.getByLabel(`Type ${app} to confirm`).fill(app);
    await button.click();
    await page.getByRole('heading', { name: 'Apps', exact: true }).waitFor({ timeout: 60_000 });
    assert.equal((await call('GET', `/apps/${app}`)).status, 404);
    // The list is live (the status feed): the destroyed app leaves it with the feed's next update.
    await page.getByRole('link', { name: app, exact: true }).waitFor({ state: 'detached', timeout: 10_000 });
    assert.deepEqual(problems.filter((p) => !/ERR_CONNECTION|net::|Failed to load resource/.test(p)), [], 'no page errors');
  });
});
