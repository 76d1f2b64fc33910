// What a Node.js app needs at run time, end to end with real git pushes:
// a create-next-app@15 app (next.config.ts, no engines pin) keeps
// `typescript` through the devDependency prune, so `next start` boots and
// its first request gets 200 with no restart; and an app whose dependency
// excludes the pinned Node.js (the shape of Dokku's
// nodejs-express-noprocfile) is warned about at build time and its failed
// boot names that dependency and its range as the likely cause.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, ROOT, type Berth } from '../helpers/berth.js';
import { git, push } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { removeAppObjects } from '../helpers/docker.js';
import { api } from '../helpers/api.js';

const fixtureRepo = async (name: string): Promise<string> => {
  const dir = await mkdtemp(path.join(os.tmpdir(), `berth-${name}-`));
  await cp(path.join(ROOT, 'test/e2e/fixtures', name), dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'initial');
  return dir;
};

describe('Node.js run-time dependencies: what start loads is kept; engines.node of dependencies is checked', () => {
  let berth: Berth;
  const apps: string[] = [];
  const repos: string[] = [];
  const newApp = () => { const a = `t-${randomBytes(4).toString('hex')}`; apps.push(a); return a; };

  before(async () => { berth = await startBerth(); });
  after(async () => {
    await berth?.destroy();
    removeAppObjects(apps);
    for (const a of apps) execFileSync('docker', ['volume', 'rm', '-f', `berth-cache-${a}`], { stdio: 'ignore' });
    for (const r of repos) await rm(r, { recursive: true, force: true });
  });

  test('a create-next-app@15 app with next.config.ts: typescript kept, first request 200, no restart', async () => {
    const app = newApp();
    const repo = await fixtureRepo('next15-app'); repos.push(repo);
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
    // The very first request after the push, not a retried one.
    const first = await viaRouter(berth.routerPort, `${app}.localhost`, '/', 30_000);
    assert.equal(first.status, 200, `first request: ${first.status} ${first.body.slice(0, 300)}`);
    assert.match(first.body, /Get started by editing/);
    assert.match(res.output, /Kept typescript \(\d+ MB\), a devDependency: next start compiles next\.config\.ts with it/);
    assert.match(res.output, /kept for the run: typescript \(\d+ MB\), a devDependency: next start compiles next\.config\.ts with it/);
    assert.doesNotMatch(res.output, /needs node/, 'Next.js 15 runs on the current LTS: no engines warning');
    // A crash after go-live would show as a restart (or a process not up) a little later.
    await sleep(3000);
    const ps = (await api(berth.apiPort, berth.token, 'GET', `/apps/${app}/ps`)).body.processes as { type: string; state: string; restarts: number }[];
    const web = ps.filter((p) => p.type === 'web');
    assert.ok(web.length >= 1, JSON.stringify(ps));
    for (const p of web) {
      assert.equal(p.restarts, 0, JSON.stringify(ps));
      assert.equal(p.state, 'running', JSON.stringify(ps));
    }
    assert.equal((await viaRouter(berth.routerPort, `${app}.localhost`, '/', 30_000)).status, 200);
  });

  test('engines.node 4.2.x with express 5: the build warns, and the failed boot names express and its range', async () => {
    const app = newApp();
    const repo = await fixtureRepo('express-old-node'); repos.push(repo);
    const res = await push(repo, berth.remote(app));
    assert.notEqual(res.code, 0, res.output);
    const warning = /express@5\.2\.\d+ needs node >= 18; engines\.node pins 4\.2\.x \(using 4\.2\.\d+\)/;
    assert.match(res.output, new RegExp(` ! {5}Warning: ${warning.source}`), res.output);
    assert.match(res.output, new RegExp(`likely cause \\(the build warned\\): ${warning.source}`), res.output);
    assert.match(res.output, /Deploy failed \(boot_\w+\)/);
  });
});
