// Bad apps (issue 13, item 3): a deploy that crash-loops, one that never
// binds $PORT and one that goes over its memory limit each fail the push
// with the reason and a fix, leave the previous release serving (or the
// router's 503 for a first deploy), and disturb no other app: a client loop
// against a second app counts its failures throughout. Then the same crash
// and OOM after a good deploy: Docker restarts the process with backoff and
// `ps` (API and CLI) says why, from the container's State.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { push } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { api } from '../helpers/api.js';
import { labelledContainers, removeAppObjects } from '../helpers/docker.js';
import { runBerthCli } from '../helpers/cli.js';
import { clientLoop, DOMAIN, fixtureRepo, setMode } from './bad-apps-helpers.js';

const BOOT_TIMEOUT_SEC = 8;
const MEMORY_MB = 64;
const name = (kind: string) => `bad-${kind}-${randomBytes(3).toString('hex')}`;
const apps: string[] = [];

interface PsProcess { name: string; state: string; crashed: boolean; restarts: number; release: string; reason?: string; lastLines?: string[] }

describe('bad apps', { timeout: 600_000 }, () => {
  let berth: Berth;
  const OTHER = name('other');
  const A = name('a');
  const B = name('b');
  apps.push(OTHER, A, B);
  let repoA = '';
  let otherLoop: ReturnType<typeof clientLoop>;
  const ps = async (app: string) => (await api<{ processes: PsProcess[] }>(berth.apiPort, berth.token, 'GET', `/apps/${app}/ps`)).body.processes;
  const get = (app: string, p = '/') => viaRouter(berth.routerPort, `${app}.${DOMAIN}`, p, 10_000);

  before(async () => {
    // The crash loops after a good deploy are the subject here, so no rollback after go-live takes them away.
    berth = await startBerth({
      BERTH_DOMAIN: DOMAIN, BERTH_BOOT_TIMEOUT_SEC: String(BOOT_TIMEOUT_SEC), BERTH_APP_MEMORY_MB: String(MEMORY_MB), BERTH_AUTO_ROLLBACK: 'off',
    });
    const repos = await Promise.all([OTHER, A, B].map(() => fixtureRepo('serve')));
    repoA = repos[1]!;
    const pushed = await Promise.all([OTHER, A, B].map((app, i) => push(repos[i]!, berth.remote(app))));
    for (const res of pushed) assert.equal(res.code, 0, res.output);
    otherLoop = clientLoop(berth, OTHER, /^ok v1/);
  });

  after(async () => {
    await otherLoop?.stop();
    await berth?.destroy();
    removeAppObjects(apps);
  });

  const cases = [
    {
      mode: 'crash',
      output: [/web\.1 exited with code 3 while booting/, /boom: DATABASE_URL is not set/, /fix what makes it exit/],
    },
    {
      mode: 'noport',
      output: [new RegExp(`web\\.1 never listened on \\$PORT 5000 within ${BOOT_TIMEOUT_SEC} s`), /make the app bind 0\.0\.0\.0:\$PORT/,
        /it listens on 127\.0\.0\.1:5000 instead/, /listening on 127\.0\.0\.1:5000 only/],
    },
    {
      mode: 'oom',
      output: [new RegExp(`web\\.1 was killed for going over its ${MEMORY_MB} MB memory limit \\(OOM\\) while booting`),
        new RegExp(`raise it with berth resource:limit ${A} --process-type web --memory ${2 * MEMORY_MB}m`), /allocating memory until killed/],
    },
  ];

  test('a crash-looping, a port-less and an over-memory deploy fail with their reason; v1 keeps serving', async () => {
    const loop = clientLoop(berth, A, /^ok v1/);
    try {
      for (const c of cases) {
        await setMode(repoA, c.mode);
        const res = await push(repoA, berth.remote(A));
        assert.notEqual(res.code, 0, res.output);
        for (const re of c.output) assert.match(res.output, re, `${c.mode}:\n${res.output}`);
        assert.match(res.output, /Deploy failed \(boot_\w+\); the previous release keeps serving \(v1\)/, res.output);
        assert.equal((await get(A)).body, 'ok v1\n');
        const procs = await ps(A);
        assert.deepEqual(procs.map((p) => [p.name, p.release, p.state]), [['web.1', 'v1', 'running']], JSON.stringify(procs));
        assert.equal(labelledContainers(A).length, 1, 'the failed release left no container');
      }
    } finally {
      const tally = await loop.stop();
      assert.equal(tally.failed, 0, `requests to ${A} failed: ${tally.lastFailure}`);
      assert.ok(tally.ok > 0);
    }
  });

  test('a first deploy that crashes leaves the router answering 503, and the push says so', async () => {
    const app = name('first');
    apps.push(app);
    const res = await push(await fixtureRepo('crash'), berth.remote(app));
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /web\.1 exited with code 3 while booting/);
    assert.match(res.output, /nothing was deployed: .* has no release yet, so the router answers 503/);
    assert.equal((await get(app)).status, 503);
    assert.deepEqual(await ps(app), []);
  });

  test('a crash loop and an OOM loop after a good deploy: restarted with backoff, ps says why, the router answers 503', async () => {
    await setMode(repoA, 'serve');
    const res = await push(repoA, berth.remote(A));
    assert.equal(res.code, 0, res.output);
    // Each request leaves a marker, so every restart fails the same way.
    await get(A, '/crash-loop').catch(() => {});
    await get(B, '/oom-loop').catch(() => {});
    const want: Record<string, RegExp> = {
      [A]: /^exited with code 3$/,
      [B]: new RegExp(`^was killed for going over its ${MEMORY_MB} MB memory limit \\(OOM\\)$`),
    };
    for (const app of [A, B]) {
      let procs: PsProcess[] = [];
      for (let i = 0; i < 240; i++) {
        procs = await ps(app);
        if (procs[0]?.crashed && procs[0].restarts >= 2 && procs[0].reason) break;
        await sleep(250);
      }
      const web = procs[0]!;
      assert.equal(web.crashed, true, JSON.stringify(procs));
      assert.ok(web.restarts >= 2, 'Docker restarted it more than once');
      assert.match(web.reason ?? '', want[app]!, JSON.stringify(web));
      let status = 0;
      for (let i = 0; i < 80 && status !== 503; i++) { status = (await get(app)).status; if (status !== 503) await sleep(250); }
      assert.equal(status, 503, `${app} has no web process left to serve`);
    }
    // Between two attempts the process runs for a moment; `berth ps` shows crashed once it is down again.
    let cli = { code: 1, stdout: '', stderr: '' };
    for (let i = 0; i < 40 && !/crashed:/.test(cli.stdout); i++) {
      if (i) await sleep(500);
      cli = await runBerthCli(['ps', A], { BERTH_URL: `http://127.0.0.1:${berth.apiPort}`, BERTH_TOKEN: berth.token, HOME: os.tmpdir() });
      assert.equal(cli.code, 0, cli.stderr);
    }
    assert.match(cli.stdout, /web\.1 crashed: it exited with code 3 \(restarted \d+ times\); its last lines:/, cli.stdout);
    assert.match(cli.stdout, /boom: DATABASE_URL is not set/);
  });

  test('the other app saw no failed request through all of it', async () => {
    const tally = await otherLoop.stop();
    assert.equal(tally.failed, 0, `requests to ${OTHER} failed: ${tally.lastFailure}`);
    assert.ok(tally.ok > 10, `only ${tally.ok} requests went through`);
  });
});
