// The built `berth` CLI end to end: a real server (real git, Docker, Redis,
// router), a real deployed app, and `node dist/main/index.js <command>` run
// as a user runs it, with BERTH_URL and BERTH_TOKEN.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, push, sampleRepo } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { labelledContainers, removeAppObjects } from '../helpers/docker.js';

const appName = () => `t-${randomBytes(4).toString('hex')}`;
const PROCFILE = 'web: python3 /app/server.py\nworker: while true; do echo worker tick; sleep 1; done\n';
const BIN = path.join(ROOT, 'dist/main/index.js');

interface Result { code: number; stdout: string; stderr: string }

describe('berth CLI end to end', () => {
  let berth: Berth;
  let home: string;
  const app = appName();
  const apps = [app];
  const get = (p: string) => viaRouter(berth.routerPort, `${app}.localhost`, p);

  /** Runs the built CLI; `signalAfter` sends SIGINT once stdout matches it. */
  function berthCli(args: string[], opts: { token?: string; interruptWhen?: RegExp; timeoutMs?: number } = {}): Promise<Result> {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, BERTH_URL: `http://127.0.0.1:${berth.apiPort}`, BERTH_TOKEN: opts.token ?? berth.token };
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
      child.stdout.on('data', (d) => {
        stdout += d;
        if (opts.interruptWhen?.test(stdout)) child.kill('SIGINT');
      });
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      });
    });
  }
  const ok = async (...args: string[]) => {
    const r = await berthCli(args);
    assert.equal(r.code, 0, `berth ${args.join(' ')}\n${r.stderr}\n${r.stdout}`);
    return r;
  };

  before(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'berth-cli-home-'));
    berth = await startBerth();
    const repo = await sampleRepo('dockerfile-hello');
    await commitFile(repo, 'Procfile', PROCFILE);
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
  });
  after(async () => {
    await berth?.destroy();
    removeAppObjects(apps);
    await rm(home, { recursive: true, force: true });
  });

  test('apps and apps:info show the deployed app; --json is the API answer', async () => {
    const list = await ok('apps');
    assert.match(list.stdout, new RegExp(`^${app}\\s+v1\\s+http://${app}\\.localhost:${berth.routerPort}\\s`, 'm'));
    const json = JSON.parse((await ok('apps', '--json')).stdout);
    assert.ok(json.apps.some((a: { name: string }) => a.name === app));
    const info = await ok('apps:info', app);
    assert.match(info.stdout, new RegExp(`^=== ${app}$`, 'm'));
    assert.match(info.stdout, /^Release:\s+v1$/m);
    assert.match(info.stdout, /^Formation:\s+web=1 worker=0$/m);
    assert.match(info.stdout, new RegExp(`^Git URL:\\s+http://berth:<token>@127\\.0\\.0\\.1:${berth.apiPort}/${app}\\.git$`, 'm'));
    assert.equal(JSON.parse((await ok('apps:info', '-a', app, '--json')).stdout).app.name, app);
  });

  test('config:set makes a release the app sees (run printenv), with GET / at 200 throughout', async () => {
    let stop = false;
    const statuses: number[] = [];
    const loop = (async () => { while (!stop) statuses.push((await get('/').catch(() => ({ status: 0 }))).status); })();
    const set = await berthCli(['config:set', app, 'FOO=bar baz', 'OTHER=1']);
    await sleep(1500);
    stop = true;
    await loop;
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stderr, new RegExp(`Setting FOO and OTHER and restarting ${app}\\.\\.\\. done, v2`));
    assert.match(set.stdout, /^FOO:\s+bar baz$/m);
    assert.ok(statuses.length > 10 && statuses.every((s) => s === 200), `statuses: ${[...new Set(statuses)]}`);
    const env = await ok('run', app, '--', 'printenv', 'FOO');
    assert.equal(env.stdout, 'bar baz\n');
    assert.equal((await ok('config:get', app, 'FOO')).stdout, 'bar baz\n');
    assert.match((await ok('config', app)).stdout, /^FOO:\s+bar baz$/m);
    assert.match((await ok('config', app, '--shell')).stdout, /^FOO='bar baz'$/m);
    assert.deepEqual(JSON.parse((await ok('config', app, '--json')).stdout).config, { FOO: 'bar baz', OTHER: '1' });
  });

  test('config:unset --no-restart records a release without restarting', async () => {
    const r = await ok('config:unset', app, 'OTHER', '--no-restart');
    assert.match(r.stderr, /Unsetting OTHER on .* \(no restart\)\.\.\. done, v3/);
    assert.deepEqual(JSON.parse((await ok('config', app, '--json')).stdout).config, { FOO: 'bar baz' });
  });

  test('releases and rollback: the old config comes back, as a new release', async () => {
    const rel = await ok('releases', app);
    assert.match(rel.stdout, /^\*\s+v3\s+live\s+Unset OTHER/m);
    assert.match(rel.stdout, /^\s+v2\s+live\s+Set FOO, OTHER/m);
    assert.match(rel.stdout, /^\s+v1\s+live\s+Deploy [0-9a-f]{7}/m);
    const back = await ok('rollback', app, 'v1');
    assert.match(back.stdout, /^v4: Rollback to v1$/m);
    const env = await berthCli(['run', app, '--', 'printenv', 'FOO']);
    assert.equal(env.code, 1, 'printenv exits 1: FOO is unset in v1');
    assert.equal(env.stdout, '');
    assert.equal((await get('/')).status, 200);
    const again = await ok('rollback', app, '2');
    assert.match(again.stdout, /^v5: Rollback to v2$/m);
    assert.equal((await ok('run', app, '--', 'printenv', 'FOO')).stdout, 'bar baz\n');
  });

  test('ps and ps:scale web=2 worker=1: two web containers answer, the worker runs', async () => {
    assert.match((await ok('ps', app)).stdout, /^web\.1\s+running\s/m);
    const scaled = await ok('ps:scale', app, 'web=2', 'worker=1');
    assert.match(scaled.stdout, /Now running web=2 worker=1/);
    const ps = await ok('ps', app);
    for (const name of ['web.1', 'web.2', 'worker.1']) assert.match(ps.stdout, new RegExp(`^${name.replace('.', '\\.')}\\s+running\\s`, 'm'));
    assert.equal((await ok('ps:scale', app)).stdout, 'web=2 worker=1\n');
    const hosts = new Set<string>();
    for (let i = 0; i < 30 && hosts.size < 2; i++) hosts.add(JSON.parse((await get('/whoami')).body).hostname);
    assert.equal(hosts.size, 2, `hostnames: ${[...hosts]}`);
  });

  test('logs: prefixed, timestamped lines from both types; -p filters; -t follows until Ctrl-C', async () => {
    await get('/');
    await sleep(1500);
    const logs = await ok('logs', app, '-n', '200');
    assert.match(logs.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z web\.\d: /m);
    assert.match(logs.stdout, /^\S+ worker\.1: worker tick$/m);
    const workerOnly = await ok('logs', app, '-p', 'worker', '-n', '5');
    assert.ok(workerOnly.stdout.trim().split('\n').every((l) => / worker\.1: /.test(l)), workerOnly.stdout);
    const tail = await berthCli(['logs', app, '-t', '-n', '1'], { interruptWhen: /worker tick\n[^]*worker tick\n/, timeoutMs: 30_000 });
    assert.equal(tail.code, 0, tail.stderr);
    assert.ok(tail.stdout.split('\n').filter((l) => /worker\.1: worker tick/.test(l)).length >= 2);
  });

  test('run: output and exit code pass through; stderr stays stderr', async () => {
    const r = await berthCli(['run', app, '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'hi\n');
    assert.match(r.stderr, /oops/);
    const one = await ok('run', app, '--', 'echo $PORT-$FOO');
    assert.match(one.stdout, /-bar baz\n$/);
    // Ctrl-C stops a long command: no waiting for it to end.
    const started = Date.now();
    const stopped = await berthCli(['run', app, '--', 'sh', '-c', 'echo started; sleep 60'], { interruptWhen: /started/, timeoutMs: 30_000 });
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.ok(Date.now() - started < 20_000);
  });

  test('ps:restart, builds and builds:output', async () => {
    const restart = await ok('ps:restart', app, 'worker');
    assert.match(restart.stdout, /^worker\.1\s+running/m);
    const builds = await ok('builds', app);
    assert.match(builds.stdout, /succeeded\s+[0-9a-f]{7}\s+v1/);
    const out = await ok('builds:output', app);
    assert.match(out.stdout, /-----> Released v1/);
    const follow = await ok('builds:output', app, '-t');
    assert.match(follow.stdout, /-----> Released v1/);
  });

  test('resource:limit and resource:report', async () => {
    const r = await ok('resource:limit', app, '--memory', '256m', '--cpus', '0.5');
    assert.match(r.stdout, /^web\s+256m\s+0\.5$/m);
    assert.match((await ok('resource:report', app)).stdout, /^web\s+256m\s+0\.5$/m);
  });

  test('bad inputs: unknown app (404), invalid K=V and scale specs, wrong token (401)', async () => {
    const unknown = await berthCli(['apps:info', 'no-such-app']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^ !     app "no-such-app" does not exist$/m);
    for (const args of [['config:set', app, 'NOEQUALS'], ['config:set', app, '1BAD=x']]) {
      const r = await berthCli(args);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^ !     ("NOEQUALS" is not KEY=value|invalid config var name "1BAD")/m);
    }
    for (const spec of ['web=two', 'web=-1', 'web=101']) {
      const r = await berthCli(['ps:scale', app, spec]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /whole number from 0 to 100/);
    }
    const badType = await berthCli(['ps:scale', app, 'nope=1']);
    assert.equal(badType.code, 1);
    assert.match(badType.stderr, /no process type "nope"/);
    const wrong = await berthCli(['apps'], { token: 'wrong-token' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, / !     .*token/i);
    assert.match(wrong.stderr, /berth login/);
  });

  test('domains: add, list, remove', async () => {
    const host = `${app}.example.test`;
    await ok('domains:add', app, host);
    assert.match((await ok('domains', app)).stdout, new RegExp(`^${host.replace(/\./g, '\\.')}$`, 'm'));
    await ok('domains:remove', app, host);
    assert.doesNotMatch((await ok('domains', app)).stdout, new RegExp(host));
  });

  test('config:set --encoded stores the decoded value; url and the Dokku aliases work against the server', async () => {
    const value = "line one\nit's \"quoted\" $HOME";
    await ok('config:set', app, '--encoded', `MULTI=${Buffer.from(value).toString('base64')}`, '--no-restart');
    assert.equal((await ok('config:get', app, 'MULTI')).stdout, `${value}\n`);
    const bad = await berthCli(['config:set', app, '--encoded', 'BAD=***']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /BAD: its value is not valid base64/);
    assert.equal(JSON.parse((await ok('config', app, '--json')).stdout).config.BAD, undefined);
    const url = (await ok('url', app)).stdout;
    assert.equal(url, `http://${app}.localhost:${berth.routerPort}\n`);
    assert.equal((await get('/')).status, 200);
    const noAge = (t: string) => t.replace(/ \(.* ago\)$/m, '');
    assert.equal(noAge((await ok('apps:report', app)).stdout), noAge((await ok('apps:info', app)).stdout));
    assert.match((await ok('ps:report', app)).stdout, /web\.1/);
    assert.match((await ok('config:show', app)).stdout, /^MULTI:/m);
    await ok('config:remove', app, 'MULTI', '--no-restart');
    assert.equal(JSON.parse((await ok('config', app, '--json')).stdout).config.MULTI, undefined);
  });

  test('apps:create, then apps:destroy: refused without --confirm, then nothing labelled is left', async () => {
    const fresh = appName();
    apps.push(fresh);
    const created = await ok('apps:create', fresh);
    assert.match(created.stdout, new RegExp(`http://berth:<token>@127\\.0\\.0\\.1:${berth.apiPort}/${fresh}\\.git`));
    assert.doesNotMatch(created.stdout + created.stderr, new RegExp(berth.token));
    await ok('apps:destroy', fresh, '--confirm', fresh);

    const refused = await berthCli(['apps:destroy', app]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`run: berth apps:destroy ${app} --confirm ${app}`));
    await ok('apps:destroy', app, '--confirm', app);
    assert.doesNotMatch((await ok('apps')).stdout, new RegExp(app));
    assert.deepEqual(labelledContainers(app), []);
    assert.notEqual((await get('/')).status, 200);
    const gone = await berthCli(['ps', app]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /does not exist/);
  });
});
