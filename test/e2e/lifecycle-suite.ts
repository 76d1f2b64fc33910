// Day-two operations end to end through the REST API, against a real
// deployed app: config, releases and rollback, scale, logs, run, restart,
// stop/start, resource limits, release phase, health checks, destroy.
// One suite for both schedulers: test/e2e/lifecycle.test.ts runs it on the
// local Docker engine, test/swarm/suites.test.ts on a two-node swarm.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, push, sampleRepo } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import type { AppEngine } from '../helpers/app-engine.js';
import { api, sse } from '../helpers/api.js';

const appName = () => `t-${randomBytes(4).toString('hex')}`;
const PROCFILE = 'web: python3 /app/server.py\nworker: while true; do echo worker tick; sleep 1; done\n';

export function describeLifecycle(title: string, engineOf: () => AppEngine | Promise<AppEngine>, opts: { skip?: string } = {}): void {
  describe(title, { skip: opts.skip }, () => {
    let berth: Berth;
    let engine: AppEngine;
    const app = appName();
    const apps = [app];
    const call = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);
    const get = (p: string) => viaRouter(berth.routerPort, `${app}.localhost`, p);

    before(async () => {
      engine = await engineOf();
      berth = await startBerth(engine.env);
      const repo = await sampleRepo('dockerfile-hello');
      await commitFile(repo, 'Procfile', PROCFILE);
      const res = await push(repo, berth.remote(app));
      assert.equal(res.code, 0, res.output);
    });
    after(async () => {
      await berth?.destroy();
      engine?.cleanup(apps);
      await engine?.stop();
    });

    test('apps and apps:info describe the deployed app', async () => {
      const list = await call('GET', '/apps');
      assert.equal(list.status, 200);
      assert.ok(list.body.apps.some((a: { name: string; currentRelease: number }) => a.name === app && a.currentRelease === 1));
      const info = await call('GET', `/apps/${app}`);
      assert.equal(info.body.app.url, `http://${app}.localhost:${berth.routerPort}`);
      assert.deepEqual(info.body.app.formation, { web: 1, worker: 0 });
    });

    test('config:set makes a release the app sees, with no failed request meanwhile', async () => {
      let stop = false;
      const statuses: number[] = [];
      const loop = (async () => { while (!stop) statuses.push((await get('/').catch(() => ({ status: 0 }))).status); })();
      const res = await call('PUT', `/apps/${app}/config`, { vars: { GREETING: 'hola', 'EMPTY_OK': '' } });
      await sleep(1500);
      stop = true;
      await loop;
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.release.version, 2);
      assert.equal((await get('/env/GREETING')).body, 'hola');
      assert.ok(statuses.length > 10 && statuses.every((s) => s === 200), `statuses: ${[...new Set(statuses)]}`);
      const one = await call('GET', `/apps/${app}/config/GREETING`);
      assert.deepEqual(one.body, { key: 'GREETING', value: 'hola' });
      const releases = await call('GET', `/apps/${app}/releases`);
      assert.equal(releases.body.releases[0].description, 'Set GREETING, EMPTY_OK');
      assert.equal(releases.body.releases[0].current, true);
    });

    test('rollback makes a new release from an old one', async () => {
      const res = await call('POST', `/apps/${app}/rollback`, { version: 'v1' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.release.version, 3);
      assert.equal(res.body.release.description, 'Rollback to v1');
      assert.equal((await get('/env/GREETING')).body, '');
      assert.deepEqual((await call('GET', `/apps/${app}/config`)).body.config, {});
    });

    test('ps:scale web=2 worker=1 serves from two containers and runs the worker', async () => {
      const res = await call('PUT', `/apps/${app}/formation`, { formation: { web: 2, worker: 1 } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const names = res.body.processes.map((p: { name: string }) => p.name);
      assert.deepEqual(names, ['web.1', 'web.2', 'worker.1']);
      const hosts = new Set<string>();
      for (let i = 0; i < 10; i++) hosts.add(JSON.parse((await get('/whoami')).body).hostname);
      assert.equal(hosts.size, 2, 'round robin over two web containers');
    });

    test('logs interleave web and worker lines, and -t follows new ones', async () => {
      await get('/logged-path');
      await sleep(2500);
      const res = await call('GET', `/apps/${app}/logs?n=200`);
      const lines: { process: string; line: string; time: string }[] = res.body.lines;
      assert.ok(lines.some((l) => l.process === 'worker.1' && l.line === 'worker tick'), 'worker lines');
      assert.ok(lines.some((l) => l.process.startsWith('web.') && l.line.includes('/logged-path')), 'web lines');
      assert.ok(lines.every((l) => !Number.isNaN(Date.parse(l.time))));
      let onlyWorker = await call('GET', `/apps/${app}/logs?n=3&type=worker`);
      for (let i = 0; i < 50 && onlyWorker.body.lines.length < 3; i++) {
        await sleep(200);
        onlyWorker = await call('GET', `/apps/${app}/logs?n=3&type=worker`);
      }
      assert.equal(onlyWorker.body.lines.length, 3);
      assert.ok(onlyWorker.body.lines.every((l: { process: string }) => l.process === 'worker.1'));
      const tail = await sse(berth.apiPort, berth.token, 'GET', `/apps/${app}/logs?tail=1&n=1&type=worker`, undefined, 2500);
      assert.ok(tail.events.length >= 2, 'the tail kept delivering worker lines');
    });

    test('run streams output and passes the exit code through, then removes the container', async () => {
      const res = await sse(berth.apiPort, berth.token, 'POST', `/apps/${app}/run`, { command: ['sh', '-c', 'echo "app=$BERTH_APP"; echo oops >&2; exit 3'] });
      const out = res.events.filter((e) => e.event === 'message').map((e) => e.data);
      assert.ok(out.some((d) => d.stream === 'stdout' && d.text.includes(`app=${app}`)), JSON.stringify(res.events));
      assert.ok(out.some((d) => d.stream === 'stderr' && d.text.includes('oops')));
      assert.deepEqual(res.events.at(-1), { event: 'exit', data: { code: 3 } });
      assert.equal(engine.docker('ps', '-aq', '--filter', `label=berth.app=${app}`, '--filter', 'label=berth.role=run'), '');
    });

    test('resource:limit applies at the next restart; ps:restart keeps serving', async () => {
      const lim = await call('PUT', `/apps/${app}/resources`, { processType: 'web', memory: '256m' });
      assert.equal(lim.status, 200);
      let stop = false;
      const statuses: number[] = [];
      const loop = (async () => { while (!stop) statuses.push((await get('/').catch(() => ({ status: 0 }))).status); })();
      const res = await call('POST', `/apps/${app}/ps/restart`, { type: 'web' });
      stop = true;
      await loop;
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(statuses.every((s) => s === 200), `statuses: ${[...new Set(statuses)]}`);
      const limits = await engine.webMemoryLimits(app);
      assert.ok(limits.length > 0, 'web runs');
      assert.deepEqual(limits, limits.map(() => 256 * 1024 * 1024));
      const ps = (await call('GET', `/apps/${app}/ps`)).body.processes;
      assert.equal(ps.filter((p: { type: string; state: string }) => p.type === 'web' && p.state === 'running').length, 2, JSON.stringify(ps));
    });

    test('ps:stop makes the router answer 503; ps:start brings the app back', async () => {
      const stopped = await call('POST', `/apps/${app}/ps/stop`);
      assert.equal(stopped.status, 200);
      assert.equal(stopped.body.processes.length, 0);
      const down = await get('/');
      assert.equal(down.status, 503);
      assert.match(down.body, /no running web processes/i);
      const started = await call('POST', `/apps/${app}/ps/start`);
      assert.equal(started.status, 200, JSON.stringify(started.body));
      assert.equal((await get('/')).status, 200);
    });

    test('bad inputs get clear errors with real statuses', async () => {
      const cases: [string, string, unknown, number, RegExp][] = [
        ['GET', '/apps/nope-nope', undefined, 404, /does not exist/],
        ['PUT', `/apps/${app}/config`, { vars: { '1BAD': 'x' } }, 400, /invalid config var name/],
        ['PUT', `/apps/${app}/config`, { vars: { PORT: '1' } }, 400, /set by Berth/],
        ['PUT', `/apps/${app}/formation`, { formation: { web: -1 } }, 400, /replica count/],
        ['PUT', `/apps/${app}/formation`, { formation: { clock: 1 } }, 400, /no process type "clock"/],
        ['POST', `/apps/${app}/rollback`, { version: 'v99' }, 404, /no release v99/],
        ['PUT', `/apps/${app}/resources`, { memory: 'lots' }, 400, /invalid memory/],
        ['DELETE', `/apps/${app}`, undefined, 400, /needs confirmation/],
        ['POST', '/apps', { name: 'Bad Name' }, 400, /invalid app name/],
        ['POST', '/apps', { name: app }, 409, /already exists/],
      ];
      for (const [method, p, body, status, message] of cases) {
        const res = await call(method, p, body);
        assert.equal(res.status, status, `${method} ${p}: ${JSON.stringify(res.body)}`);
        assert.match(res.body.error.message, message);
      }
      const noToken = await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1/apps`);
      assert.equal(noToken.status, 401);
      const wrong = await api(berth.apiPort, 'wrong-token', 'GET', '/apps');
      assert.equal(wrong.status, 401);
      assert.match(wrong.body.error.message, /invalid token/);
    });

    test('a failing release phase rejects the push; the old release keeps serving', async () => {
      const other = appName(); apps.push(other);
      const repo = await sampleRepo('dockerfile-hello');
      assert.equal((await push(repo, berth.remote(other))).code, 0);
      await commitFile(repo, 'Procfile', 'web: python3 /app/server.py\nrelease: echo migrating; exit 4\n');
      const res = await push(repo, berth.remote(other));
      assert.notEqual(res.code, 0);
      assert.match(res.output, /Running release command/);
      assert.match(res.output, /migrating/);
      assert.match(res.output, /the release command exited with code 4/);
      assert.equal((await viaRouter(berth.routerPort, `${other}.localhost`)).status, 200);
    });

    test('a failing app.json health check rejects the push', async () => {
      const other = appName(); apps.push(other);
      const repo = await sampleRepo('dockerfile-hello');
      await commitFile(repo, 'app.json', JSON.stringify({ healthchecks: { web: [{ type: 'startup', path: '/', content: 'no such text', attempts: 2, wait: 0 }] } }));
      const res = await push(repo, berth.remote(other));
      assert.notEqual(res.code, 0);
      assert.match(res.output, /web\.1 failed its health check: GET \/ did not contain "no such text", after 2 attempt/);
      await commitFile(repo, 'app.json', '{ "healthchecks": ');
      const bad = await push(repo, berth.remote(other));
      assert.match(bad.output, /app\.json: not valid JSON/);
    });

    test('a web process that binds $PORT but exits before it answers HTTP fails the push (the default readiness check)', async () => {
      const other = appName(); apps.push(other);
      const repo = await sampleRepo('dockerfile-hello');
      // As `next start` does when its config fails to load: the port accepts, then the process dies.
      await commitFile(repo, 'Procfile', 'web: python3 -c "import os,socket,sys,time; s=socket.socket(); '
        + 's.bind((\'0.0.0.0\', int(os.environ[\'PORT\']))); s.listen(); time.sleep(3); sys.exit(\'config failed to load\')"\n');
      const res = await push(repo, berth.remote(other));
      assert.notEqual(res.code, 0, res.output);
      assert.match(res.output, /config failed to load/);
      assert.doesNotMatch(res.output, /Released v1/);
    });

    // Serves until CRASH_AFTER (epoch seconds), then every start fails at once: a crash loop after a good
    // deploy. The deadline is in the environment, not a file, because a Swarm restart is a new container.
    const CRASHER = 'web: [ -z "$CRASH_AFTER" ] && exec python3 /app/server.py; left=$((CRASH_AFTER - $(date +%s))); '
      + '[ "$left" -gt 0 ] && exec timeout "$left" python3 /app/server.py; echo "cannot start twice" >&2; exit 1\n';
    const crasher = appName(); apps.push(crasher);
    const getCrasher = () => viaRouter(berth.routerPort, `${crasher}.localhost`);

    test('a release that crashes after go-live is rolled back by itself: marked failed, recorded, and no request fails but the one in flight', async () => {
      const repo = await sampleRepo('dockerfile-hello');
      await commitFile(repo, 'Procfile', CRASHER);
      assert.equal((await push(repo, berth.remote(crasher))).code, 0);
      // One request at a time, so at most one is ever in flight on the crashing container.
      const seen: { at: number; end: number; status: number }[] = [];
      let stop = false;
      const loop = (async () => {
        while (!stop) {
          const at = Date.now();
          const status = (await getCrasher().catch(() => ({ status: 0 }))).status;
          seen.push({ at, end: Date.now(), status });
          await sleep(20);
        }
      })();
      // Long enough for the deploy to be live, and its standby up, well before it; the watch (60 s by default) sees two crashes soon after.
      // Swarm watches an updated task itself for 15 s (BERTH_BOOT_TIMEOUT_SEC / 4) before the deploy completes:
      // a crash in there is Swarm's own rollback, which the push reports (a failed deploy), not this case.
      // Then v1's standby service boots (a few seconds) beside v2.
      const crashAt = (Math.floor(Date.now() / 1000) + (engine.scheduler === 'swarm' ? 45 : 12)) * 1000;
      const set = await call('PUT', `/apps/${crasher}/config`, { vars: { CRASH_AFTER: String(crashAt / 1000) } });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.equal(set.body.release.version, 2);
      // What the deployer reads last: the release is watched and rolls back by itself.
      assert.match((set.body.log as string[]).join('\n'), /Watched for 60 s: if its web processes crash or stop answering twice, v1 \(standing by\) takes the traffic back and v2 is marked failed/);
      type Row = { version: number; description: string; status: string; current: boolean; failure?: { reason: string; lastLines: string[] } };
      let rows: Row[] = [];
      for (let i = 0; i < 360 && !(rows[0]?.version === 3 && rows[0].current); i++) {
        await sleep(250);
        rows = (await call('GET', `/apps/${crasher}/releases`)).body.releases;
      }
      // The route switch comes before the release is marked current; the routers hear of it over pub/sub.
      const rolledBack = Date.now() + 500;
      // At least a dozen requests after it, however slow a loaded machine makes each one.
      for (const until = Date.now() + 20_000; Date.now() < until && seen.filter((x) => x.at > rolledBack).length < 15;) await sleep(250);
      stop = true;
      await loop;
      rows = (await call('GET', `/apps/${crasher}/releases`)).body.releases;
      const before = seen.filter((s) => s.at < crashAt - 1000);
      const after = seen.filter((s) => s.at > rolledBack);
      const between = seen.filter((s) => s.at >= crashAt - 1000 && s.at <= rolledBack);
      const failed = seen.filter((s) => s.status !== 200);
      const slowest = Math.max(...between.map((s) => s.end - s.at));
      console.log(`# auto-rollback: ${failed.length} of ${between.length} requests failed between the crash and the rollback `
        + `(${[...new Set(failed.map((s) => s.status))]}); rolled back ${Math.round((rolledBack - 500 - crashAt) / 100) / 10} s after the crash; `
        + `slowest request meanwhile ${slowest} ms`);
      // The server's own account: when it saw the second crash, and how long the rollback took.
      for (const l of berth.output().split('\n').filter((x) => x.startsWith(`${crasher}: `))) console.log(`# server: ${l}`);
      assert.equal(rows[0]?.version, 3, JSON.stringify(rows));
      assert.match(rows[0]!.description, /^Rollback to v1 \(v2 crashed after go-live: exited with code (1|124)/);
      assert.equal(rows[0]!.status, 'live');
      assert.equal(rows[1]!.status, 'failed');
      assert.match(rows[1]!.failure?.reason ?? '', /^v2 crashed after go-live: exited with code (1|124)/);
      // v2's own last lines: its second start's complaint when the watch saw that start die, or else (the
      // watch's health look can count the second failure first) the requests v2 logged before it was killed.
      assert.ok(rows[1]!.failure?.lastLines.some((l) => l.includes('cannot start twice') || l.includes('"GET / HTTP/1.1" 200')), JSON.stringify(rows[1]));
      assert.ok(before.length > 10 && before.every((s) => s.status === 200), `before the crash: ${[...new Set(before.map((s) => s.status))]}`);
      assert.ok(after.length > 10 && after.every((s) => s.status === 200), `after the rollback: ${[...new Set(after.map((s) => s.status))]}`);
      // The bar: only what was in flight on the crashing container may fail. The client sends one
      // request at a time, so that is at most one (the router retries even that one on the standby when it
      // had no answer yet); every request meanwhile reached v1's standby, not a 502/503.
      assert.ok(failed.length <= 1, `${failed.length} requests failed: ${JSON.stringify(failed)}`);
      // The rolled-back config is the app's config again, and v1's process serves.
      assert.deepEqual((await call('GET', `/apps/${crasher}/config`)).body.config, {});
      const events = (await call('GET', `/events?app=${crasher}`)).body.events as { action: string; result: string; detail?: string }[];
      assert.ok(events.some((e) => e.action === 'releases:auto-rollback' && e.result === 'ok' && /v2 -> v3 \(v1\)/.test(e.detail ?? '')), JSON.stringify(events));
      // The standby went with the rollback: only v3's web process is left.
      const ps = (await call('GET', `/apps/${crasher}/ps`)).body.processes as { type: string; release: string }[];
      for (let i = 0; i < 40 && ps.some((p) => p.release !== 'v3'); i++) {
        await sleep(500);
        ps.splice(0, ps.length, ...(await call('GET', `/apps/${crasher}/ps`)).body.processes);
      }
      assert.deepEqual(ps.filter((p) => p.type === 'web').map((p) => p.release), ['v3']);
    });

    test('a release that stops answering after go-live (its port still open) is rolled back by itself too', async () => {
      const hanger = appName(); apps.push(hanger);
      const repo = await sampleRepo('dockerfile-hello');
      // At HANG_AFTER the server is stopped (SIGSTOP), not killed: the port still accepts, nothing answers.
      // A start after that (Swarm replaces a task that fails its check) fails at once.
      await commitFile(repo, 'Procfile', 'web: [ -z "$HANG_AFTER" ] && exec python3 /app/server.py; left=$((HANG_AFTER - $(date +%s))); '
        + '[ "$left" -gt 0 ] && exec timeout -s STOP "$left" python3 /app/server.py; echo "cannot start twice" >&2; exit 1\n');
      assert.equal((await push(repo, berth.remote(hanger))).code, 0);
      const hangAt = Math.floor(Date.now() / 1000) + (engine.scheduler === 'swarm' ? 45 : 12);
      const set = await call('PUT', `/apps/${hanger}/config`, { vars: { HANG_AFTER: String(hangAt) } });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      type Row = { version: number; description: string; status: string; current: boolean; failure?: { reason: string } };
      let rows: Row[] = [];
      for (let i = 0; i < 720 && !(rows[0]?.version === 3 && rows[0].current); i++) {
        await sleep(250);
        rows = (await call('GET', `/apps/${hanger}/releases`)).body.releases;
      }
      console.log(`# hang: rolled back ${Math.round(Date.now() / 1000 - hangAt)} s after v2 stopped answering: ${rows[1]?.failure?.reason}`);
      assert.equal(rows[0]?.version, 3, JSON.stringify(rows));
      assert.equal(rows[1]!.status, 'failed');
      // The local engine never restarts a process that hangs: the watch's own health look counts it. Swarm replaces the task.
      assert.match(rows[1]!.failure?.reason ?? '', engine.scheduler === 'swarm'
        ? /^v2 (crashed|failed its health check) after go-live/
        : /^v2 failed its health check after go-live: web\.1: GET \/\.well-known\/berth-ready got no answer: .*3 times in a row/);
      assert.equal((await viaRouter(berth.routerPort, `${hanger}.localhost`)).status, 200);
    });

    test('a crash-looping web process shows as crashed in ps, with its last lines, and the router answers 503', async () => {
      // BERTH_AUTO_ROLLBACK=off (per app): the crash loop stays, for ps to show.
      // As above, past Swarm's own 15 s update monitor.
      const after = engine.scheduler === 'swarm' ? 35 : 20;
      const set = await call('PUT', `/apps/${crasher}/config`, { vars: { CRASH_AFTER: String(Math.floor(Date.now() / 1000) + after), BERTH_AUTO_ROLLBACK: 'off' } });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      let ps: { processes: { name: string; crashed: boolean; restarts: number; lastLines?: string[]; reason?: string }[] } = { processes: [] };
      for (let i = 0; i < 300; i++) {
        ps = (await call('GET', `/apps/${crasher}/ps`)).body;
        if (ps.processes[0]?.crashed && ps.processes[0].restarts >= 2 && ps.processes[0].lastLines?.some((l) => l.includes('cannot start twice'))) break;
        await sleep(300);
      }
      const web = ps.processes[0]!;
      assert.equal(web.crashed, true, JSON.stringify(ps));
      assert.ok(web.restarts >= 2, JSON.stringify(ps));
      assert.ok(web.lastLines?.some((l) => l.includes('cannot start twice')), JSON.stringify(web.lastLines));
      assert.match(web.reason ?? '', /exited with code (1|124)/);
      const page = await getCrasher();
      assert.equal(page.status, 503);
      assert.equal((await call('GET', `/apps/${crasher}/releases`)).body.releases[0].status, 'live', 'not rolled back');
    });

    test('with a settle window (BERTH_SETTLE_SEC), a web process that answers and then exits fails the deploy', async () => {
      // Answers at once, exits 6 s after it started: inside a 10 s settle window, so it never takes traffic.
      const set = await call('PUT', `/apps/${crasher}/config`, { vars: { CRASH_AFTER: String(Math.floor(Date.now() / 1000) + 6), BERTH_SETTLE_SEC: '10' } });
      assert.equal(set.status, 422, JSON.stringify(set.body));
      const bad = await call('PUT', `/apps/${crasher}/config`, { vars: { BERTH_SETTLE_SEC: 'soon' } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /BERTH_SETTLE_SEC must be a whole number of seconds/);
    });

    test('apps:destroy removes containers, images, route and repository', async () => {
      const res = await call('DELETE', `/apps/${app}?confirm=${app}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(await engine.leftovers(app), []);
      assert.equal((await get('/')).status, 404);
      assert.equal(existsSync(path.join(berth.dataDir, 'repos', `${app}.git`)), false);
      assert.equal((await call('GET', `/apps/${app}`)).status, 404);
    });
  });
}
