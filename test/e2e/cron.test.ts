// app.json `cron` end to end, with two real Berth servers on one Redis (so
// every tick below also shows it ran once, not once per server). The
// "minute" is shortened: BERTH_CRON_ALLOW_SECONDS (test only) lets app.json
// hold a six-field schedule (seconds first), which goes through the same
// parsing, bullmq job scheduler, tick and run as a five-field one; the
// five-field minute computation is covered in test/unit/cron.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, git, push } from '../helpers/git.js';
import { api, sse } from '../helpers/api.js';
import { removeAppObjects } from '../helpers/docker.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { tinyRepo } from '../helpers/tiny-app.js';
import { launchBrowser, openPage, signInWith } from '../helpers/browser.js';
import { axeCheck } from '../helpers/axe.js';
import { runBerthCli } from '../helpers/cli.js';
import { cronJobId } from '../../src/shared/app-json-cron.js';

interface Run { dueAt: number; startedAt: number; durationMs: number; outcome: string; code?: number; reason?: string; trigger: string; release?: number }
interface Job { id: string; schedule: string; command: string; nextRunAt: string; runs: Run[] }

// Every 6 s (the test's "minute"), and a job that takes longer than its 4 s
// period and than the time limit (BERTH_CRON_TIMEOUT_SEC=6 below).
const QUICK = { command: 'echo "tick $GREETING"', schedule: '*/6 * * * * *' };
const SLOW = { command: 'sleep 30', schedule: '*/4 * * * * *' };
const MANUAL = { command: 'echo "manual $GREETING"; exit 3', schedule: '@yearly' };
const PERIOD = 6000;

describe('app.json cron: scheduled one-offs of the live release', () => {
  let redis: TestRedis;
  let a: Berth;
  let b: Berth;
  let repo: string;
  const app = `t-${randomBytes(4).toString('hex')}`;
  const quick = cronJobId(QUICK.schedule, QUICK.command);
  const slow = cronJobId(SLOW.schedule, SLOW.command);
  const manual = cronJobId(MANUAL.schedule, MANUAL.command);
  const call = (method: string, p: string, body?: unknown) => api(a.apiPort, a.token, method, p, body);
  const jobs = async (): Promise<Job[]> => {
    const res = await call('GET', `/apps/${app}/cron?runs=100`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.jobs;
  };
  const runsOf = async (id: string) => (await jobs()).find((j) => j.id === id)?.runs ?? [];
  /** Asks until `ok` holds for the job's runs (newest first), or fails with what it saw. */
  async function runsWhen(id: string, ok: (runs: Run[]) => boolean, ms: number): Promise<Run[]> {
    const deadline = Date.now() + ms;
    let runs: Run[] = [];
    while (Date.now() < deadline) {
      runs = await runsOf(id);
      if (ok(runs)) return runs;
      await sleep(500);
    }
    assert.fail(`job ${id}: condition not met in ${ms} ms; runs: ${JSON.stringify(runs, null, 1)}`);
  }
  const appJson = (cron: unknown[]) => commitFile(repo, 'app.json', JSON.stringify({ cron }, null, 2), 'cron');
  const scheduled = (runs: Run[]) => runs.filter((r) => r.trigger === 'schedule');

  before(async () => {
    redis = await startTestRedis();
    const shared = {
      REDIS_URL: redis.url, BERTH_REDIS_PREFIX: `t${randomBytes(4).toString('hex')}:`,
      BERTH_CRON_ALLOW_SECONDS: '1', BERTH_CRON_HISTORY: '100', BERTH_CRON_TIMEOUT_SEC: '6',
    };
    a = await startBerth({ ...shared, BERTH_WORKER_NAME: 'cron-a' });
    // b only runs apps' duties (ticks among them): pushes build on a, whose data dir holds the pushed tree.
    b = await startBerth({ ...shared, BERTH_ADMIN_TOKEN: a.token, BERTH_WORKER_NAME: 'cron-b', BERTH_BUILDS: 'off' });
    // Servers on one Redis share the keyring that seals config values (as an operator copies it to each).
    await b.stop();
    await copyFile(path.join(a.dataDir, 'secrets.key'), path.join(b.dataDir, 'secrets.key'));
    await b.start();
    assert.equal((await call('POST', '/apps', { name: app })).status, 201);
    assert.equal((await call('PUT', `/apps/${app}/config`, { vars: { GREETING: 'hola' }, restart: false })).status, 200);
    repo = await tinyRepo(app);
    await appJson([QUICK, SLOW, MANUAL]);
    const res = await push(repo, a.remote(app));
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /-----> Scheduled jobs \(app\.json cron\): 3/);
    assert.ok(res.output.includes(`${quick}  ${QUICK.schedule}  ${QUICK.command}`), res.output);
  });
  after(async () => {
    await Promise.all([a?.destroy(), b?.destroy()]);
    await redis?.stop();
    removeAppObjects([app]);
  });

  test('a job runs within its minute and again in the next, once per tick across two servers, with config and output in the log', async () => {
    const runs = scheduled(await runsWhen(quick, (r) => scheduled(r).filter((x) => x.outcome === 'succeeded').length >= 3, 60_000));
    const ticks = runs.map((r) => r.dueAt).sort((x, y) => x - y);
    // Each tick once: two servers take from one queue.
    assert.equal(new Set(ticks).size, ticks.length, `a tick ran twice: ${JSON.stringify(ticks)}`);
    // Consecutive "minutes", none skipped.
    for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i]! - ticks[i - 1]!, PERIOD, JSON.stringify(ticks));
    for (const r of runs) {
      assert.equal(r.dueAt % PERIOD, 0);
      // Within its minute: started after the tick was due and before the next one.
      assert.ok(r.startedAt >= r.dueAt && r.startedAt < r.dueAt + PERIOD, JSON.stringify(r));
    }
    const log = await call('GET', `/apps/${app}/logs?n=500&type=cron`);
    const lines = (log.body.lines as { process: string; line: string }[]).filter((l) => l.process === `cron.${quick}`);
    assert.ok(lines.some((l) => l.line === 'tick hola'), JSON.stringify(lines));
    const [job] = (await jobs()).filter((j) => j.id === quick);
    assert.ok(Date.parse(job!.nextRunAt) > Date.now() - 1000, job!.nextRunAt);
  });

  test('a job longer than its period: the tick during a run is skipped and says so; past the time limit it is stopped', async () => {
    const runs = await runsWhen(slow, (r) => r.some((x) => x.outcome === 'skipped') && r.some((x) => x.outcome === 'timeout'), 60_000);
    const skip = runs.find((r) => r.outcome === 'skipped')!;
    assert.match(skip.reason!, /the previous run is still going/);
    const timedOut = runs.find((r) => r.outcome === 'timeout')!;
    assert.match(timedOut.reason!, /stopped after 6 s \(BERTH_CRON_TIMEOUT_SEC\)/);
    assert.ok(timedOut.durationMs < 20_000, JSON.stringify(timedOut));
    const events = JSON.stringify((await call('GET', `/events?app=${app}`)).body);
    assert.ok(events.includes('cron:failed') && events.includes('timed out'), events);
    const ran = runs.filter((r) => r.outcome !== 'skipped');
    // Never two at once, on either server.
    const spans = ran.map((r) => [r.startedAt, r.startedAt + r.durationMs] as const).sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i]![0] >= spans[i - 1]![1], `overlap: ${JSON.stringify(spans)}`);
  });

  test('cron:run runs a job now with its output and exit code; a failure is in the history and the audit log', async () => {
    const res = await sse(a.apiPort, a.token, 'POST', `/apps/${app}/cron/${manual}/run`, {}, 60_000);
    assert.equal(res.status, 200);
    assert.ok(res.events.some((e) => e.event === 'message' && e.data.text.includes('manual hola')), JSON.stringify(res.events));
    assert.deepEqual(res.events.find((e) => e.event === 'exit')?.data, { code: 3, outcome: 'failed' });
    const [last] = await runsOf(manual);
    assert.equal(last!.outcome, 'failed');
    assert.equal(last!.code, 3);
    assert.equal(last!.trigger, 'manual');
    const events = await call('GET', `/events?app=${app}`);
    assert.ok(JSON.stringify(events.body).includes('cron:failed'), JSON.stringify(events.body));
    // The CLI as a user runs it: cron:run passes the job's exit code and output through; cron:list shows it.
    const env = { HOME: a.dataDir, BERTH_URL: `http://127.0.0.1:${a.apiPort}`, BERTH_TOKEN: a.token };
    const cli = await runBerthCli(['cron:run', app, manual], env);
    assert.equal(cli.code, 3, cli.stderr);
    assert.equal(cli.stdout, 'manual hola\n');
    const listed = await runBerthCli(['cron:list', app], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${manual} +@yearly +echo "manual \\$GREETING"; exit 3 +\\d{4}-01-01 00:00:00Z +\\d{4}-.*Z +3$`, 'm'));
    console.log(`$ berth cron:list ${app}\n${listed.stdout}$ berth cron:run ${app} ${manual}\n${cli.stdout}${cli.stderr}(exit ${cli.code})`);
    const unknown = await call('POST', `/apps/${app}/cron/nope/run`, {});
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error.message, new RegExp(`has no scheduled job "nope"; its jobs are: .*${quick}`));
  });

  test('the dashboard\'s Cron tab lists the jobs with their runs, failures in red, in a real browser', async () => {
    const browser = await launchBrowser();
    try {
      // bypassCSP only lets axe's injected script run; the CSP itself is tested in test/dashboard/session.test.ts.
      const { page, problems } = await openPage(await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true }));
      const base = `http://127.0.0.1:${a.apiPort}`;
      await signInWith(page, base, a.token);
      await page.goto(`${base}/apps/${app}/cron`);
      const row = (id: string) => page.locator(`tr[data-job="${id}"]`);
      await row(manual).waitFor();
      for (const id of [quick, slow]) await row(id).waitFor();
      // The manual job's last run exited 3: its row and that run are red.
      assert.equal(await row(manual).getAttribute('class'), 'bad');
      const failed = row(manual).locator('[data-outcome="failed"]').first();
      assert.equal(await failed.textContent(), 'exit 3');
      const red = await failed.evaluate((el) => getComputedStyle(el).color);
      const ok = await row(quick).locator('[data-outcome="succeeded"]').first().evaluate((el) => getComputedStyle(el).color);
      assert.notEqual(red, ok);
      assert.ok(await row(slow).locator('[data-outcome="timeout"]').count() > 0);
      assert.ok(await row(slow).locator('[data-outcome="skipped"]').count() > 0);
      // Text as a person reads it: an entity escaped twice showed as "cron.&lt;id&gt;".
      assert.match(await page.locator('main').innerText(), /as cron\.<id>; run one now with berth cron:run \S+ <id>/);
      await axeCheck(page, 'cron tab');
      assert.deepEqual(problems, []);
    } finally {
      await Promise.race([browser.close(), sleep(10_000)]);
    }
  });

  test('a job removed from app.json stops after the next push', async () => {
    await appJson([QUICK, MANUAL]);
    const res = await push(repo, a.remote(app));
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, new RegExp(`stopped: ${slow} \\(no longer in app.json\\)`));
    const pushed = Date.now();
    assert.deepEqual((await jobs()).map((j) => j.id).sort(), [quick, manual].sort());
    // Three of its periods: nothing of it starts any more (a run going at the push may end).
    await sleep(12_000);
    const [release] = (await call('GET', `/apps/${app}/releases`)).body.releases as { version: number }[];
    assert.ok(release);
    const raw = await redis.handle.client.lrange(`${a.env.BERTH_REDIS_PREFIX}app:${app}:cron:${slow}:runs`, 0, -1);
    const late = raw.map((s) => JSON.parse(s) as Run).filter((r) => r.startedAt > pushed);
    assert.deepEqual(late, []);
  });

  test('a restart of every server between ticks misses no tick: the one due while down runs when a server is back', async () => {
    await runsWhen(quick, (r) => r.length > 0, 20_000);
    await Promise.all([a.stop(), b.stop()]);
    const down = Date.now();
    // Past at least one tick while nothing runs.
    await sleep(PERIOD + 1000);
    const missed = Math.ceil(down / PERIOD) * PERIOD;
    await Promise.all([a.start(), b.start()]);
    const runs = await runsWhen(quick, (r) => r.some((x) => x.dueAt === missed), 60_000);
    const late = runs.find((x) => x.dueAt === missed)!;
    assert.ok(late.startedAt > down + PERIOD, `it ran late, after the restart: ${JSON.stringify(late)}`);
  });

  test('a malformed schedule fails the push with the entry named, before any release', async () => {
    const before = (await call('GET', `/apps/${app}/releases`)).body.releases.length;
    await writeFile(path.join(repo, 'app.json'), JSON.stringify({ cron: [QUICK, { command: 'x', schedule: '61 * * * *' }] }));
    git(repo, 'commit', '-qam', 'bad cron');
    const res = await push(repo, a.remote(app));
    assert.notEqual(res.code, 0);
    assert.match(res.output, /remote:  ! {5}app\.json: cron\[1\]\.schedule "61 \* \* \* \*" is not a valid cron schedule/);
    assert.equal((await call('GET', `/apps/${app}/releases`)).body.releases.length, before);
  });
});
