// Load (issue 13, item 4), against one real server: 10 different apps pushed
// at once all deploy, never more than BERTH_BUILD_CONCURRENCY building at a
// time; and two pushes to one app at once are serialised, the newer one
// winning both what serves and what the app's main branch points at.
// No timings are asserted (test/bench/load.bench.ts measures them).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { git, push, type PushResult } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { removeAppObjects } from '../helpers/docker.js';
import { api } from '../helpers/api.js';
import { bumpTiny, tinyPage, tinyRepo } from '../helpers/tiny-app.js';

const CONCURRENCY = 3;
const apps: string[] = [];
const dirs: string[] = [];
const newApp = (kind: string) => { const a = `load-${kind}-${randomBytes(3).toString('hex')}`; apps.push(a); return a; };

interface BuildRow { id: string; status: string; rev: string; startedAt?: number; finishedAt?: number }

describe('load', { timeout: 15 * 60_000 }, () => {
  let berth: Berth;
  const page = async (app: string) => (await viaRouter(berth.routerPort, `${app}.localhost`)).body;
  const builds = async (app: string): Promise<BuildRow[]> => (await api(berth.apiPort, berth.token, 'GET', `/apps/${app}/builds`)).body.builds;
  const repoFor = async (app: string) => { const d = await tinyRepo(app); dirs.push(d); return d; };
  const head = (dir: string) => git(dir, 'rev-parse', 'HEAD').trim();
  const remoteMain = (dir: string, app: string) => git(dir, 'ls-remote', berth.remote(app), 'refs/heads/main').split('\t')[0]!;

  before(async () => {
    berth = await startBerth({ BERTH_BUILD_CONCURRENCY: String(CONCURRENCY), BERTH_DRAIN_MS: '0' });
  });
  after(async () => {
    await berth?.destroy();
    removeAppObjects(apps);
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('10 concurrent pushes of different apps all deploy, at most BERTH_BUILD_CONCURRENCY building at once', async () => {
    const names = Array.from({ length: 10 }, (_, i) => newApp(`c${i}`));
    const repos = await Promise.all(names.map(repoFor));
    const results = await Promise.all(names.map((app, i) => push(repos[i]!, berth.remote(app))));
    results.forEach((r, i) => assert.equal(r.code, 0, `${names[i]}:\n${r.output}`));
    for (const app of names) assert.equal(await page(app), tinyPage(app, 1), app);
    // Running spans from the build records: a build holds a queue slot at least that long.
    const spans = (await Promise.all(names.map(builds))).flat().map((b) => [b.startedAt!, b.finishedAt!] as const);
    assert.equal(spans.length, 10);
    const overlap = Math.max(...spans.map(([s]) => spans.filter(([s2, f2]) => s2 <= s && s < f2).length));
    assert.ok(overlap <= CONCURRENCY, `${overlap} builds ran at once; BERTH_BUILD_CONCURRENCY is ${CONCURRENCY}`);
    assert.ok(overlap >= 2, `the queue ran builds in parallel (at most ${overlap} at once)`);
  });

  /** Two clones of one deployed app, each with its own new commit on top of v1. */
  async function twoClones(app: string): Promise<[string, string]> {
    const a = await repoFor(app);
    const first = await push(a, berth.remote(app));
    assert.equal(first.code, 0, first.output);
    const b = await mkdtemp(path.join(os.tmpdir(), 'berth-tiny-b-'));
    dirs.push(b);
    await cp(a, b, { recursive: true });
    await bumpTiny(a, app, 2);
    await bumpTiny(b, app, 3);
    return [a, b];
  }

  /** The pushes' builds ran one after the other, never both at once. */
  function assertSerialised(rows: BuildRow[]): void {
    const ran = rows.filter((b) => b.startedAt).sort((x, y) => x.startedAt! - y.startedAt!);
    for (let i = 1; i < ran.length; i++) assert.ok(ran[i]!.startedAt! >= ran[i - 1]!.finishedAt!, `builds overlapped: ${JSON.stringify(ran)}`);
  }

  test('a push while another push of the same app builds waits for it, then wins', async () => {
    const app = newApp('pair');
    const [a, b] = await twoClones(app);
    const older = push(a, berth.remote(app));
    // The newer push arrives while the older one's build runs.
    const deadline = Date.now() + 120_000;
    while (!(await builds(app)).some((x) => x.rev === head(a) && x.status === 'running')) {
      assert.ok(Date.now() < deadline, 'the older push never started building');
      await sleep(100);
    }
    const [olderResult, newerResult]: [PushResult, PushResult] = await Promise.all([older, push(b, berth.remote(app))]);
    assert.equal(newerResult.code, 0, newerResult.output);
    assert.notEqual(olderResult.code, 0, `the older push must not report its commit as main:\n${olderResult.output}`);
    assert.match(olderResult.output, /newer push \(build \S+\) deployed over this one/);
    assert.equal(await page(app), tinyPage(app, 3), 'the newer push serves');
    assert.equal(remoteMain(a, app), head(b), "main is the newer push's commit");
    const rows = await builds(app);
    assert.ok(rows.some((x) => x.rev === head(a) && x.status === 'succeeded'), 'the older push was built and deployed first');
    assertSerialised(rows);
  });

  test('two pushes of the same app at the same moment: one wins, and main and what serves agree', async () => {
    const app = newApp('race');
    const [a, b] = await twoClones(app);
    const [ra, rb] = await Promise.all([push(a, berth.remote(app)), push(b, berth.remote(app))]);
    const winners = [ra, rb].filter((r) => r.code === 0);
    assert.equal(winners.length, 1, `exactly one push wins:\n${ra.output}\n---\n${rb.output}`);
    const [winDir, version] = ra.code === 0 ? [a, 2] : [b, 3];
    assert.equal(await page(app), tinyPage(app, version), 'the winning push serves');
    assert.equal(remoteMain(a, app), head(winDir), "main is the winning push's commit");
    assertSerialised(await builds(app));
  });
});
