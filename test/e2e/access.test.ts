// Access end to end over HTTP: scoped, expiring and revocable tokens on the
// API and on the git remote (real git pushes), users, the audit log of each
// action, the root CLI on the host, and the failed-sign-in rate limit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { git, push, sampleRepo } from '../helpers/git.js';
import { api } from '../helpers/api.js';
import { runBerthCli } from '../helpers/cli.js';
import { removeAppObjects } from '../helpers/docker.js';
import { resolveServer } from '../../src/cli/credentials.js';
import { loadCliConfig } from '../../src/config/cli.js';

const appName = () => `t-${randomBytes(4).toString('hex')}`;
const FAIL_LIMIT = 40;

describe('access: tokens, scopes and the audit log over HTTP', () => {
  let berth: Berth;
  let home: string;
  let repo: string;
  const app = appName();
  const other = appName();
  const apps = [app, other];
  const call = (token: string, method: string, p: string, body?: unknown) => api(berth.apiPort, token, method, p, body);
  const admin = (method: string, p: string, body?: unknown) => call(berth.token, method, p, body);
  const cli = (args: string[], token = berth.token) =>
    runBerthCli(args, { HOME: home, BERTH_URL: `http://127.0.0.1:${berth.apiPort}`, BERTH_TOKEN: token });
  const mint = async (name: string, scope: string, extra: Record<string, string> = {}) => {
    const r = await admin('POST', '/tokens', { name, scope, ...extra });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.token as string;
  };
  const events = async (q = '') => (await admin('GET', `/events?n=1000${q}`)).body.events as { action: string; user: string; app?: string; detail?: string; result: string; via: string; source: string }[];

  before(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'berth-access-home-'));
    berth = await startBerth({ BERTH_AUTH_FAIL_LIMIT: String(FAIL_LIMIT) });
    repo = await sampleRepo('dockerfile-hello');
    assert.equal((await admin('POST', '/apps', { name: other })).status, 201);
  });
  after(async () => {
    await berth?.destroy();
    removeAppObjects(apps);
    await rm(home, { recursive: true, force: true });
  });

  test('the install admin token is the first admin token; tokens:create prints a secret that is stored only hashed', async () => {
    const list = await cli(['tokens', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const install = JSON.parse(list.stdout).tokens.find((t: { id: string }) => t.id === 'install');
    assert.deepEqual([install.user, install.scopes, install.status], ['admin', ['admin'], 'active']);
    const made = await cli(['tokens:create', '--name', 'cli-made', '--scope', 'read']);
    assert.equal(made.code, 0, made.stderr);
    const secret = made.stdout.trim();
    assert.match(secret, /^berth_[A-Za-z0-9_-]{32}$/);
    assert.match(made.stderr, /only time it is shown/);
    assert.equal((await call(secret, 'GET', '/whoami')).body.scopes[0], 'read');
    const again = JSON.parse((await cli(['tokens', '--json'])).stdout);
    assert.ok(!JSON.stringify(again).includes(secret), 'the list never shows a secret');
    assert.ok(again.tokens.every((t: object) => !('hash' in t)));
  });

  test('a read token reads everything and changes nothing, on the API and the git remote', async () => {
    const read = await mint('reader', 'read');
    assert.equal((await call(read, 'GET', '/apps')).status, 200);
    assert.equal((await call(read, 'GET', `/apps/${other}/config`)).status, 200);
    const set = await call(read, 'PUT', `/apps/${other}/config`, { vars: { A: '1' } });
    assert.equal(set.status, 403);
    assert.match(set.body.error.message, /admin/);
    assert.equal((await call(read, 'GET', '/tokens')).status, 403, 'token lists are admin only');
    assert.equal((await call(read, 'POST', '/tokens', { name: 'x', scope: 'admin' })).status, 403);
    const pushed = await push(repo, berth.remote(app, read));
    assert.notEqual(pushed.code, 0);
    assert.match(pushed.output, /may not push app/);
  });

  test('a deploy token pushes its app (live) and reads only it; another app is refused', async () => {
    const deploy = await mint('ci', `deploy:${app}`);
    const wrong = await push(repo, berth.remote(other, deploy));
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.output, /token "ci" may not push app "t-/);
    const res = await push(repo, berth.remote(app, deploy));
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /Released v1/);
    const list = await call(deploy, 'GET', '/apps');
    assert.deepEqual(list.body.apps.map((a: { name: string }) => a.name), [app]);
    assert.equal((await call(deploy, 'GET', `/apps/${app}`)).status, 200);
    assert.equal((await call(deploy, 'GET', `/apps/${other}`)).status, 403);
    assert.equal((await call(deploy, 'PUT', `/apps/${app}/config`, { vars: { A: '1' } })).status, 403);
    // The live status (the dashboard's apps page) shows a scoped token its apps only.
    const status = await call(deploy, 'GET', '/status');
    assert.equal(status.status, 200, JSON.stringify(status.body));
    assert.deepEqual(status.body.apps.map((a: { name: string }) => a.name), [app]);
    assert.equal((await call(berth.token, 'GET', '/status')).body.apps.length, 2);
    const firstEvent = async (q: string) => {
      const ac = new AbortController();
      const res = await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1/status/stream${q}`, { headers: { authorization: `Bearer ${deploy}` }, signal: ac.signal });
      if (res.status !== 200) { ac.abort(); return { status: res.status, apps: [] as string[] }; }
      const reader = res.body!.getReader();
      let text = '';
      while (!/\ndata: .*\n/.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`status stream ended before its first snapshot: ${text}`);
        text += new TextDecoder().decode(value);
      }
      ac.abort();
      const data = JSON.parse(/\ndata: (.*)\n/.exec(text)![1]!) as { apps: { name: string }[] };
      return { status: res.status, apps: data.apps.map((a) => a.name) };
    };
    assert.deepEqual(await firstEvent(''), { status: 200, apps: [app] });
    assert.equal((await firstEvent(`?app=${other}`)).status, 403);
    const metrics = (token: string) => fetch(`http://127.0.0.1:${berth.apiPort}/metrics`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    assert.equal(await metrics(deploy), 403, 'install-wide reads need read or admin');
    assert.equal(await metrics(berth.token), 200);
    // A deploy token can fetch its app back over git.
    const clone = await mkdtemp(path.join(os.tmpdir(), 'berth-access-clone-'));
    git(clone, 'clone', '-q', berth.remote(app, deploy), 'c');
    await rm(clone, { recursive: true, force: true });
  });

  test('a token never exceeds its user\'s role; users own tokens', async () => {
    assert.equal((await admin('POST', '/users', { name: 'dana', role: 'deploy', apps: app })).status, 201);
    const tooMuch = await admin('POST', '/tokens', { name: 'dana-admin', scope: 'admin', user: 'dana' });
    assert.equal(tooMuch.status, 400);
    assert.match(tooMuch.body.error.message, /cannot hold a token with scope admin/);
    const dana = await mint('dana-ci', `deploy:${app}`, { user: 'dana' });
    assert.equal((await call(dana, 'GET', '/whoami')).body.user, 'dana');
    const users = await cli(['users']);
    assert.match(users.stdout, /dana\s+deploy\s+t-/);
    // Removing the user removes its tokens at once.
    assert.equal((await admin('DELETE', '/users/dana')).status, 200);
    assert.equal((await call(dana, 'GET', '/apps')).status, 401);
  });

  test('a revoked token fails at once on the API and the git remote', async () => {
    const t = await mint('soon-revoked', `deploy:${app}`);
    assert.equal((await call(t, 'GET', `/apps/${app}`)).status, 200);
    const revoked = await cli(['tokens:revoke', 'soon-revoked']);
    assert.equal(revoked.code, 0, revoked.stderr);
    const r = await call(t, 'GET', `/apps/${app}`);
    assert.equal(r.status, 401);
    assert.match(r.body.error.message, /invalid token \(unknown or revoked\)/);
    const pushed = await push(repo, berth.remote(app, t));
    assert.notEqual(pushed.code, 0);
    assert.match(pushed.output, /Authentication failed|invalid token|401/);
    const listed = JSON.parse((await cli(['tokens', '--json'])).stdout).tokens.find((x: { name: string }) => x.name === 'soon-revoked');
    assert.equal(listed.status, 'revoked');
  });

  test('an expired token fails on the API and the git remote', async () => {
    const t = await mint('short', `deploy:${app}`, { expires: '2s' });
    assert.equal((await call(t, 'GET', `/apps/${app}`)).status, 200);
    await sleep(2200);
    const r = await call(t, 'GET', `/apps/${app}`);
    assert.equal(r.status, 401);
    assert.match(r.body.error.message, /expired/);
    const pushed = await push(repo, berth.remote(app, t));
    assert.notEqual(pushed.code, 0);
    assert.equal((await admin('POST', '/tokens', { name: 'bad', scope: 'read', expires: 'soon' })).status, 400);
  });

  test('every change is in the audit log: who, what, when, from where, the result; never a config value', async () => {
    assert.equal((await admin('PUT', `/apps/${app}/config`, { vars: { SECRET_THING: 'hunter2-value' } })).status, 200);
    assert.equal((await admin('PUT', `/apps/${app}/formation`, { formation: { web: 1 } })).status, 200);
    assert.equal((await admin('POST', `/apps/${app}/rollback`, { version: 1 })).status, 200);
    assert.equal((await admin('DELETE', `/apps/${app}/config?keys=SECRET_THING`)).status, 200);
    assert.equal((await admin('DELETE', `/apps/${other}?confirm=${other}`)).status, 200);
    const login = await runBerthCli(['login', '--url', `http://127.0.0.1:${berth.apiPort}`, '--token', berth.token], { HOME: home });
    assert.equal(login.code, 0, login.stderr);
    const all = await events();
    const find = (action: string, pred: (e: (typeof all)[number]) => boolean = () => true) => all.find((e) => e.action === action && pred(e));
    const push = find('git:push', (e) => e.result === 'ok');
    assert.deepEqual([push?.app, push?.via, push?.user, push?.source], [app, 'git-http', 'admin', '127.0.0.1']);
    assert.ok(find('config:set', (e) => e.detail === 'SECRET_THING' && e.user === 'admin' && e.result === 'ok'));
    assert.ok(find('config:unset', (e) => e.detail === 'SECRET_THING'));
    assert.ok(find('ps:scale', (e) => e.app === app));
    assert.ok(find('releases:rollback', (e) => e.detail === '1'));
    assert.ok(find('apps:destroy', (e) => e.app === other));
    assert.ok(find('tokens:create', (e) => e.detail === `ci deploy:${app}`));
    assert.ok(find('tokens:revoke', (e) => e.detail === 'soon-revoked'));
    assert.ok(find('users:add') && find('users:remove'));
    assert.ok(find('auth:sign-in', (e) => e.user === 'admin'));
    assert.ok(find('auth:failed', (e) => e.via === 'git-http'), 'failed git sign-ins are recorded');
    assert.ok(find('config:set', (e) => e.result === 'denied'), 'refused attempts are recorded too');
    assert.ok(find('git:push', (e) => e.result === 'denied' && e.app === other && e.via === 'git-http'), 'a refused push too');
    assert.ok(!JSON.stringify(all).includes('hunter2-value'), 'no config value in the audit log');
    // Nor in Redis's files: the live config and the release records (v2 holds it) are encrypted.
    await sleep(1200);
    const aofDir = path.join(berth.dataDir, 'redis', 'appendonlydir');
    for (const f of await readdir(aofDir)) assert.ok(!(await readFile(path.join(aofDir, f), 'latin1')).includes('hunter2-value'), f);
    // --app filters; a deploy token sees its apps' events only; nothing can delete them.
    const forApp = await cli(['events', '--app', app]);
    assert.equal(forApp.code, 0, forApp.stderr);
    assert.match(forApp.stdout, /admin config:set t-\S+ SECRET_THING ok via api from 127\.0\.0\.1/);
    assert.ok(!forApp.stdout.includes(other));
    const deploy = await mint('events-reader', `deploy:${app}`);
    const seen = (await call(deploy, 'GET', '/events')).body.events as { app?: string }[];
    assert.ok(seen.length > 0 && seen.every((e) => e.app === app));
    assert.equal((await admin('DELETE', '/events')).status, 404);
  });

  test('root on the host needs no BERTH_URL: the local server and its admin token; others are told what to set', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'berth-access-host-'));
    await writeFile(path.join(dataDir, 'admin-token'), `${berth.token}\n`, { mode: 0o600 });
    const env = { HOME: home, XDG_CONFIG_HOME: path.join(dataDir, 'xdg'), BERTH_DATA_DIR: dataDir, BERTH_API_PORT: String(berth.apiPort) };
    if (process.getuid?.() === 0) {
      const r = await runBerthCli(['whoami'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /User:\s+admin/);
    }
    const asUser = { ...loadCliConfig(env), local: { ...loadCliConfig(env).local, isRoot: false } };
    await assert.rejects(resolveServer(asUser), (err: Error & { hint?: string }) =>
      /no Berth server configured/.test(err.message) && /BERTH_URL/.test(err.hint ?? '') && /sudo berth/.test(err.hint ?? ''));
    await rm(dataDir, { recursive: true, force: true });
  });

  // Last: it locks 127.0.0.1 out for the rest of the window.
  test('failed sign-ins are rate limited per source address, on the API and the git remote', async () => {
    let status = 0;
    for (let i = 0; i < FAIL_LIMIT * 2 && status !== 429; i++) status = (await call(`wrong-${i}`, 'GET', '/apps')).status;
    assert.equal(status, 429);
    const locked = await admin('GET', '/apps');
    assert.equal(locked.status, 429, 'while locked out even a good token waits');
    assert.match(locked.body.error.message, /too many failed sign-ins from 127\.0\.0\.1/);
    const pushed = await push(repo, berth.remote(app));
    assert.notEqual(pushed.code, 0);
    assert.match(pushed.output, /too many failed sign-ins|429/);
  });
});
