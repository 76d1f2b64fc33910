// The dashboard's front door in a real browser against a real server (no
// app deploys here): headers and caching, sign-in with a wrong and a right
// token, slowed-down failures, cookie flags, CSRF (a forged cross-site POST
// and requests without Origin or token get 403 and change nothing), session
// expiry and server-side sign-out, and the live apps page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { startBerth, freePort, type Berth } from '../helpers/berth.js';
import { api } from '../helpers/api.js';
import { launchBrowser, openPage, screenshot, signInWith } from '../helpers/browser.js';
import { axeCheck } from '../helpers/axe.js';

const TTL_SEC = 4;

describe('dashboard sign-in, sessions and CSRF', () => {
  let berth: Berth;
  let browser: Browser;
  let base: string;
  const call = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);

  /** Signs in over plain HTTP as the page does; returns the cookie and CSRF token. */
  async function session(): Promise<{ cookie: string; csrf: string; setCookie: string }> {
    const res = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ token: berth.token }) });
    assert.equal(res.status, 201);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('berth_session=')) ?? '';
    return { cookie: setCookie.split(';')[0]!, csrf: (await res.json()).session.csrf, setCookie };
  }

  before(async () => {
    berth = await startBerth({ BERTH_SESSION_TTL_SEC: String(TTL_SEC), BERTH_SIGNIN_FREE_FAILURES: '3' });
    base = `http://127.0.0.1:${berth.apiPort}`;
    browser = await launchBrowser();
  });
  after(async () => {
    // Bounded: a browser that will not close must not keep the server below alive.
    await Promise.race([browser?.close(), new Promise((r) => setTimeout(r, 10_000))]);
    await berth?.destroy();
  });

  test('the page and its assets: CSP, nosniff, referrer policy, caching, nothing from another host', async () => {
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'same-origin');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 3 && assets.every((a) => a.startsWith('/')), `assets: ${assets}`);
    assert.doesNotMatch(html, /<script>|<style>| on\w+=/, 'no inline script or style');
    const js = assets.find((a) => a.endsWith('.js'))!;
    assert.match(js, /^\/assets\/app-[A-Z0-9]+\.js$/);
    const asset = await fetch(`${base}${js}`);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(asset.headers.get('content-type') ?? '', /text\/javascript/);
    // Deep links load the same page; unknown paths are still the API's JSON 404.
    assert.equal((await fetch(`${base}/apps/some-app/logs`)).status, 200);
    assert.equal((await fetch(`${base}/nope/deeper/path`)).status, 404);

    const ctx = await browser.newContext();
    const { page, problems } = await openPage(ctx);
    const hosts = new Set<string>();
    page.on('request', (r) => hosts.add(new URL(r.url()).host));
    await page.goto(`${base}/`);
    await page.getByLabel('API token').waitFor();
    assert.deepEqual([...hosts], [`127.0.0.1:${berth.apiPort}`]);
    assert.deepEqual(problems, [], 'no console errors, no CSP violations');
    await ctx.close();
  });

  test('a wrong token gets a clear message on the sign-in page; the right one signs in with Enter', async () => {
    for (const width of [1440, 390]) {
      const ctx = await browser.newContext({ viewport: { width, height: 900 } });
      const { page, problems } = await openPage(ctx);
      await page.goto(`${base}/`);
      await screenshot(page, `signin-${width}`);
      await page.getByLabel('API token').fill('not-the-token');
      await page.getByLabel('API token').press('Enter');
      await page.getByRole('alert').filter({ hasText: 'that token is not valid' }).waitFor();
      await screenshot(page, `signin-wrong-token-${width}`);
      await page.getByLabel('API token').fill(berth.token);
      await page.getByLabel('API token').press('Enter');
      await page.getByRole('heading', { name: 'Deploy your first app' }).waitFor();
      await screenshot(page, `apps-empty-${width}`);
      assert.deepEqual(problems.filter((p) => !p.includes('401')), []);
      await ctx.close();
    }
  });

  test('repeated failed sign-ins from one address are slowed down (429), not just refused', async () => {
    const tryToken = (token: string) => fetch(`${base}/api/v1/session`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ token }),
    });
    // The right token resets the count (the previous test signed in).
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await tryToken('wrong')).status);
    assert.deepEqual(statuses.slice(0, 3), [401, 401, 401]);
    assert.ok(statuses.slice(3).includes(429), `statuses: ${statuses}`);
    const locked = await tryToken(berth.token);
    assert.equal(locked.status, 429, 'even the right token waits out the delay');
    assert.match((await locked.json()).error.message, /too many failed sign-ins.*try again in \d+ s/);
    await sleep(4200);
    assert.equal((await tryToken(berth.token)).status, 201, 'after the wait the right token works');
  });

  test('the session cookie is HttpOnly and SameSite=Strict, opaque, and not Secure over plain HTTP', async () => {
    const { setCookie, cookie } = await session();
    assert.match(setCookie, /^berth_session=[A-Za-z0-9_-]{43}; /);
    assert.match(setCookie, /; HttpOnly/);
    assert.match(setCookie, /; SameSite=Strict/);
    assert.match(setCookie, /; Path=\//);
    assert.match(setCookie, new RegExp(`; Max-Age=${TTL_SEC}`));
    assert.doesNotMatch(setCookie, /Secure/);
    assert.ok(!cookie.includes(berth.token), 'the cookie is not the token');
    // X-Forwarded-Proto is not trusted unless BERTH_TRUST_PROXY is on.
    const res = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base, 'x-forwarded-proto': 'https' }, body: JSON.stringify({ token: berth.token }) });
    assert.doesNotMatch(res.headers.getSetCookie().join('\n'), /Secure/);
    // In the browser: the page cannot read it.
    const ctx = await browser.newContext();
    const { page } = await openPage(ctx);
    await signInWith(page, base, berth.token);
    assert.equal(await page.evaluate(() => document.cookie), 'berth_hint=1', 'the page can read only the hint, never the session');
    const c = (await ctx.cookies()).find((k) => k.name === 'berth_session');
    assert.equal(c?.httpOnly, true);
    assert.equal(c?.sameSite, 'Strict');
    await ctx.close();
  });

  test('a state-changing request needs this Origin and the session\'s anti-CSRF token (403 otherwise, nothing changes)', async () => {
    const { cookie, csrf } = await session();
    const post = (headers: Record<string, string>) => fetch(`${base}/api/v1/apps`, {
      method: 'POST', headers: { 'content-type': 'application/json', cookie, ...headers }, body: JSON.stringify({ name: 'csrf-victim' }),
    });
    const cases: [string, Record<string, string>][] = [
      ['no Origin', { 'x-csrf-token': csrf }],
      ['another Origin', { origin: 'http://evil.example', 'x-csrf-token': csrf }],
      ['no token', { origin: base }],
      ['a wrong token', { origin: base, 'x-csrf-token': `${csrf.slice(0, -2)}xx` }],
    ];
    for (const [what, headers] of cases) {
      const res = await post(headers);
      assert.equal(res.status, 403, what);
      assert.equal((await res.json()).error.code, 'csrf_rejected', what);
    }
    assert.equal((await call('GET', '/apps/csrf-victim')).status, 404, 'nothing was created');
    // Reads need no token; the right Origin and token pass.
    assert.equal((await fetch(`${base}/api/v1/apps`, { headers: { cookie } })).status, 200);
    const ok = await post({ origin: base, 'x-csrf-token': csrf });
    assert.equal(ok.status, 201);
    assert.equal((await call('DELETE', '/apps/csrf-victim?confirm=csrf-victim')).status, 200);
  });

  test('a forged cross-site POST from another origin\'s page gets 403 in the browser and changes nothing', async () => {
    const evilPort = await freePort();
    const target = `${base}/api/v1/apps`;
    const victim = `forged-${randomBytes(3).toString('hex')}`;
    // A text/plain form can carry a JSON-looking body: the classic CSRF shape.
    const evil = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<form id="f" method="POST" action="${target}" enctype="text/plain"><input name='{"name":"${victim}","x":"' value='"}'></form>`
        + `<script>fetch(${JSON.stringify(target)}, {method: "POST", mode: "no-cors", credentials: "include", body: JSON.stringify({name: "${victim}"})}).finally(() => document.getElementById("f").submit());</script>`);
    });
    await new Promise<void>((resolve) => evil.listen(evilPort, '127.0.0.1', resolve));
    try {
      const ctx = await browser.newContext();
      const { page } = await openPage(ctx);
      await signInWith(page, base, berth.token);
      const statuses: number[] = [];
      page.on('response', (r) => { if (r.url() === target && r.request().method() === 'POST') statuses.push(r.status()); });
      // 127.0.0.1 on another port is the same site, so the SameSite cookie IS sent: the Origin check must stop it.
      await page.goto(`http://127.0.0.1:${evilPort}/`);
      await page.waitForURL(target);
      assert.match(await page.textContent('body') ?? '', /csrf_rejected/);
      await sleep(300);
      assert.deepEqual(statuses, [403, 403]);
      assert.equal((await call('GET', `/apps/${victim}`)).status, 404, 'no app was created');
      await ctx.close();
    } finally {
      evil.close();
    }
  });

  test('a session ends when its token is revoked or expires, and a scoped token\'s session keeps its scope', async () => {
    const mint = async (name: string, scope: string, extra: Record<string, unknown> = {}) => {
      const r = await call('POST', '/tokens', { name, scope, ...extra });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.token as string;
    };
    const signIn = async (token: string) => {
      const res = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ token }) });
      assert.equal(res.status, 201);
      const cookie = (res.headers.getSetCookie().find((c) => c.startsWith('berth_session=')) ?? '').split(';')[0]!;
      return { cookie, csrf: (await res.json()).session.csrf as string };
    };
    const reader = await signIn(await mint('dash-read', 'read'));
    assert.equal((await fetch(`${base}/api/v1/apps`, { headers: { cookie: reader.cookie } })).status, 200);
    const create = await fetch(`${base}/api/v1/apps`, {
      method: 'POST', body: JSON.stringify({ name: `t-${Date.now().toString(36)}` }),
      headers: { cookie: reader.cookie, origin: base, 'x-csrf-token': reader.csrf, 'content-type': 'application/json' },
    });
    assert.equal(create.status, 403, 'a read token\'s session cannot create apps');
    assert.equal((await call('DELETE', '/tokens/dash-read')).status, 200);
    const after = await fetch(`${base}/api/v1/apps`, { headers: { cookie: reader.cookie } });
    assert.equal(after.status, 401);
    assert.match(((await after.json()) as { error: { message: string } }).error.message, /no longer valid/);

    const shortLived = await signIn(await mint('dash-short', 'admin', { expires: '2s' }));
    assert.equal((await fetch(`${base}/api/v1/apps`, { headers: { cookie: shortLived.cookie } })).status, 200);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await fetch(`${base}/api/v1/apps`, { headers: { cookie: shortLived.cookie } })).status, 401);
  });

  test('sign-out deletes the session on the server: the old cookie no longer works', async () => {
    const { cookie, csrf } = await session();
    assert.equal((await fetch(`${base}/api/v1/apps`, { headers: { cookie } })).status, 200);
    const out = await fetch(`${base}/api/v1/session`, { method: 'DELETE', headers: { cookie, origin: base, 'x-csrf-token': csrf } });
    assert.equal(out.status, 204);
    assert.match(out.headers.getSetCookie().join('\n'), /berth_session=; .*Max-Age=0/);
    assert.equal((await fetch(`${base}/api/v1/apps`, { headers: { cookie } })).status, 401);
    // And through the page's button.
    const ctx = await browser.newContext();
    const { page } = await openPage(ctx);
    await signInWith(page, base, berth.token);
    const c = (await ctx.cookies()).find((k) => k.name === 'berth_session');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    assert.equal((await fetch(`${base}/api/v1/apps`, { headers: { cookie: `${c!.name}=${c!.value}` } })).status, 401);
    await ctx.close();
  });

  test('an expired session sends the page back to sign-in with a message', async () => {
    const app = `exp-${randomBytes(3).toString('hex')}`;
    assert.equal((await call('POST', '/apps', { name: app })).status, 201);
    const ctx = await browser.newContext();
    const { page } = await openPage(ctx);
    await signInWith(page, base, berth.token);
    await page.getByRole('link', { name: app, exact: true }).waitFor();
    const c = (await ctx.cookies()).find((k) => k.name === 'berth_session');
    await sleep(TTL_SEC * 1000 + 500);
    await page.getByRole('link', { name: app, exact: true }).click();
    await page.getByText('your session has expired: sign in again').waitFor();
    await page.getByLabel('API token').waitFor();
    await screenshot(page, 'signin-expired-1440');
    // The server forgot it too: the old cookie, sent by hand, is refused.
    const res = await fetch(`${base}/api/v1/apps`, { headers: { cookie: `${c!.name}=${c!.value}` } });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.code, 'session_expired');
    await ctx.close();
    await call('DELETE', `/apps/${app}?confirm=${app}`);
  });

  test('the apps page updates live, filters, and "New app" shows the git lines; no a11y violations', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      // bypassCSP only lets axe's injected script run; the CSP itself is tested above.
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: scheme, bypassCSP: true });
      const { page, problems } = await openPage(ctx);
      await signInWith(page, base, berth.token);
      const names = [`live-${randomBytes(3).toString('hex')}`, `other-${randomBytes(3).toString('hex')}`];
      for (const n of names) assert.equal((await call('POST', '/apps', { name: n })).status, 201);
      // No reload: the status stream brings them in.
      for (const n of names) await page.getByRole('link', { name: n, exact: true }).waitFor({ timeout: 10_000 });
      await page.getByLabel('Filter apps').fill('live-');
      await page.getByRole('link', { name: names[1]!, exact: true }).waitFor({ state: 'detached' });
      assert.equal(await page.getByRole('link', { name: names[0]!, exact: true }).count(), 1);
      await page.getByLabel('Filter apps').fill('');
      await axeCheck(page, `apps (${scheme})`);
      await page.getByRole('button', { name: 'New app' }).click();
      await page.getByLabel('App name').fill('my-new-app');
      const lines = await page.locator('.gitlines code').allTextContents();
      assert.deepEqual(lines, [`git remote add berth http://berth:<token>@127.0.0.1:${berth.apiPort}/my-new-app.git`, 'git push berth main']);
      await axeCheck(page, `new app (${scheme})`);
      await screenshot(page, `apps-new-${scheme}-1440`);
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, `apps-new-${scheme}-390`);
      assert.deepEqual(problems, []);
      for (const n of names) await call('DELETE', `/apps/${n}?confirm=${n}`);
      await ctx.close();
    }
  });

  test('the sign-in page has no a11y violations in either theme', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const ctx = await browser.newContext({ colorScheme: scheme, bypassCSP: true });
      const { page } = await openPage(ctx);
      await page.goto(`${base}/`);
      await page.getByLabel('API token').waitFor();
      await axeCheck(page, `sign-in (${scheme})`);
      await ctx.close();
    }
  });
});
