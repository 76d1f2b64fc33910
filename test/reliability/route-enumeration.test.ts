// Issue 19: no spelling of a path reaches a handler without its policy.
// Every route of the OpenAPI document, the dashboard's and git's, in every
// spelling of fixtures/corpus/route-spellings.ts, with no token, a read
// token and another app's deploy token: each answer a caller may not have is
// 400, 401, 403 or 404, and nothing changed (apps, config, releases, tokens,
// users, keys, containers). Then the same server's audit log, sign-in
// throttle and per-token rate limit are pushed past their bounds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { api } from '../helpers/api.js';
import { rawRequest } from '../helpers/git-http.js';
import { fillPath, gitRoutes, mayCall, spellings, type RouteCase, type Who } from './fixtures/corpus/route-spellings.js';

const P = `re${randomBytes(3).toString('hex')}`;
const TARGET = `${P}-a`;
const OTHER = `${P}-b`;
const RATE_LIMIT = 1500;

describe('route enumeration: every route, every spelling, every wrong token', { timeout: 600_000 }, () => {
  let berth: Berth;
  const tokens = new Map<Who, string | undefined>();

  before(async () => {
    berth = await startBerth({
      BERTH_AUTH_FAIL_LIMIT: '20', BERTH_API_RATE_LIMIT: String(RATE_LIMIT),
      BERTH_AUDIT_MAX_EVENTS: '100', BERTH_AUDIT_MAX_DENIED: '100',
    });
    for (const name of [TARGET, OTHER]) assert.equal((await api(berth.apiPort, berth.token, 'POST', '/apps', { name })).status, 201);
    assert.equal((await api(berth.apiPort, berth.token, 'PUT', `/apps/${TARGET}/config`, { vars: { KEPT: 'yes' }, restart: false })).status, 200);
    const mint = async (name: string, scope: string) => (await api(berth.apiPort, berth.token, 'POST', '/tokens', { name, scope })).body.token as string;
    tokens.set('no token', undefined);
    tokens.set('read token', await mint('reader', 'read'));
    tokens.set("another app's deploy token", await mint('other-deployer', `deploy:${OTHER}`));
  });
  after(async () => { await berth?.destroy(); });

  const state = async () => {
    const get = async (p: string) => (await api(berth.apiPort, berth.token, 'GET', p)).body;
    const [apps, cfg, rel, tok, users, keys] = await Promise.all(['/apps', `/apps/${TARGET}/config`, `/apps/${TARGET}/releases`, '/tokens', '/users', '/keys'].map(get));
    const containers = execFileSync('docker', ['ps', '-a', '--filter', `label=berth.app=${TARGET}`, '-q'], { encoding: 'utf8' });
    return { apps: apps.apps.map((a: { name: string }) => a.name).sort(), cfg, rel, tok: tok.tokens.map((t: { id: string; status?: string }) => `${t.id} ${t.status ?? ''}`).sort(), users, keys, containers };
  };

  test('no answer a caller may not have, and nothing changed', async () => {
    const doc = (await (await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { 'x-berth-policy': string }>> };
    const routes: RouteCase[] = [
      ...Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).map(([m, op]) => ({ method: m.toUpperCase(), path: `/api/v1${fillPath(p, TARGET)}`, policy: op['x-berth-policy'] }))),
      { method: 'GET', path: '/metrics', policy: 'read' },
      { method: 'POST', path: '/api/v1/session', policy: 'public' },
      { method: 'DELETE', path: '/api/v1/session', policy: 'public' },
      { method: 'POST', path: `/internal/v1/receive/${TARGET}`, policy: 'public' },
      ...gitRoutes(TARGET),
    ];
    assert.ok(routes.length > 50, `${routes.length} routes`);
    const before = await state();
    const wrong: string[] = [];
    let sent = 0;
    for (const [who, token] of tokens) {
      const jobs = routes.flatMap((r) => spellings(r.path).flatMap(([label, p]) => {
        // A caller may call the route as registered: that is not what this test is about.
        if (label === 'as registered' && mayCall(who, r.policy, r.method)) return [];
        return [{ r, label, p }];
      }));
      for (let i = 0; i < jobs.length; i += 16) {
        await Promise.all(jobs.slice(i, i + 16).map(async ({ r, label, p }) => {
          const git = r.policy.startsWith('git:');
          const headers: Record<string, string> = token ? { authorization: git ? `Basic ${Buffer.from(`x:${token}`).toString('base64')}` : `Bearer ${token}` } : {};
          const body = r.method === 'GET' || r.method === 'HEAD' ? undefined : git ? Buffer.from('0000') : JSON.stringify({ name: 'evil', vars: { EVIL: '1' }, command: 'id', scope: 'admin' });
          if (body && !git) headers['content-type'] = 'application/json';
          if (git && body) headers['content-type'] = `application/x-${r.path.split('/').pop()}-request`;
          const o = await rawRequest(berth.apiPort, { method: r.method, path: p, headers, body, timeoutMs: 10_000 });
          sent++;
          const status = 'status' in o ? o.status : 0;
          if (![400, 401, 403, 404].includes(status)) wrong.push(`${who}: ${r.method} ${p} (${label}, ${r.policy}) -> ${'status' in o ? `${o.status} ${o.body.toString().slice(0, 120)}` : JSON.stringify(o)}`);
        }));
      }
    }
    console.log(`route enumeration: ${routes.length} routes, ${sent} requests`);
    assert.deepEqual(wrong, [], `answers a caller may not have:\n${wrong.slice(0, 30).join('\n')}`);
    assert.deepEqual(await state(), before, 'nothing changed');
    const health = (await (await fetch(`http://127.0.0.1:${berth.apiPort}/healthz`)).json()) as { uncaught: number };
    assert.equal(health.uncaught, 0);
  });

  test('a read token cannot list tokens, users or keys in any case', async () => {
    const read = tokens.get('read token')!;
    for (const p of ['/tokens', '/Tokens', '/USERS', '/users', '/Keys', '/keys', '/secrets/rotate-key']) {
      const r = await rawRequest(berth.apiPort, { method: 'GET', path: `/api/v1${p}`, headers: { authorization: `Bearer ${read}` }, timeoutMs: 10_000 });
      assert.ok('status' in r && [403, 404, 405].includes(r.status), `${p}: ${JSON.stringify('status' in r ? r.status : r)}`);
    }
  });

  test('400 wrong tokens at once are bounded by the same limit as 400 one after another', async () => {
    // From a loopback address of its own, so the lockout does not touch the other tests.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 400 });
    const one = (i: number) => new Promise<number>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: berth.apiPort, localAddress: '127.0.0.2', agent, path: '/api/v1/whoami', headers: { authorization: `Bearer wrong-${i}` } },
        (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', () => resolve(0));
      req.end();
    });
    const statuses = await Promise.all(Array.from({ length: 400 }, (_, i) => one(i)));
    agent.destroy();
    const evaluated = statuses.filter((s) => s === 401).length;
    assert.ok(evaluated <= 20, `${evaluated} wrong tokens were evaluated (limit 20)`);
    assert.equal(statuses.filter((s) => s === 429).length, 400 - evaluated);
    const failures = (await api(berth.apiPort, berth.token, 'GET', '/events?n=10000')).body.events.filter((e: { action: string; source: string }) => e.action === 'auth:failed' && e.source === '127.0.0.2');
    assert.equal(failures.length, evaluated, 'each evaluated attempt is one auth:failed entry');
  });

  test('a flood of refused requests leaves every earlier change in the audit log', async () => {
    // A token of its own: the enumeration's requests count against the others' rate limits.
    const deployer = (await api(berth.apiPort, berth.token, 'POST', '/tokens', { name: 'flooder', scope: `deploy:${OTHER}` })).body.token as string;
    const changesBefore = (await api(berth.apiPort, berth.token, 'GET', '/events?n=10000')).body.events.filter((e: { result: string }) => e.result !== 'denied');
    assert.ok(changesBefore.some((e: { action: string; app?: string }) => e.action === 'config:set' && e.app === TARGET));
    // 11x the log's size (BERTH_AUDIT_MAX_EVENTS=100 here), as 11,000 are against the default 10,000.
    for (let i = 0; i < 1100; i += 50) {
      await Promise.all(Array.from({ length: 50 }, () => api(berth.apiPort, deployer, 'POST', '/apps', { name: `${P}-x` }).then((r) => assert.equal(r.status, 403))));
    }
    const after = (await api(berth.apiPort, berth.token, 'GET', '/events?n=10000')).body.events;
    const changesAfter = after.filter((e: { result: string }) => e.result !== 'denied');
    for (const e of changesBefore) assert.ok(changesAfter.some((x: { id: string }) => x.id === e.id), `lost ${e.action} ${e.id}`);
    assert.ok(after.some((e: { action: string; result: string }) => e.action === 'apps:create' && e.result === 'denied'), 'the refusals are still recorded');
  });

  test('a token over its rate limit gets 429 with Retry-After', async () => {
    const token = (await api(berth.apiPort, berth.token, 'POST', '/tokens', { name: 'busy', scope: 'read' })).body.token as string;
    // The limit's window is the clock's minute: start early in one, so the run does not straddle two.
    if (Date.now() % 60_000 > 30_000) await sleep(60_000 - (Date.now() % 60_000) + 200);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < RATE_LIMIT + 10; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, RATE_LIMIT + 10 - i) }, async () => {
        const res = await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
        await res.arrayBuffer();
      }));
    }
    assert.equal(statuses.filter((s) => s === 429).length, 10);
    assert.match(String(retryAfter), /^\d+$/);
    // Another token is not held back by this one.
    assert.equal((await api(berth.apiPort, berth.token, 'GET', '/whoami')).status, 200);
  });
});
