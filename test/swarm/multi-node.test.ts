// Berth on a two-node Docker Swarm (BERTH_SCHEDULER=swarm), both nodes private
// engines in their own network namespaces: tasks spread over both nodes and
// serve traffic from both, a node drained under a client loop loses no
// request, and a rolling deploy that fails its health check rolls back by
// itself; storage pins a type to the manager (and past one replica it is
// refused), and its files survive a redeploy; app.json cron runs one-offs of
// the live release. The deploy and lifecycle suites run on a swarm in suites.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, git, push, sampleRepo } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { api, sse } from '../helpers/api.js';
import { runBerthCli } from '../helpers/cli.js';
import { cronJobId } from '../../src/shared/app-json-cron.js';
import { swarmSkip } from '../helpers/app-engine.js';
import { startCluster, type Cluster } from '../helpers/swarm-cluster.js';

const skip = swarmSkip();

// Every minute from the first push, so its ticks have run by the last test; it reads the storage once that is mounted.
const CRON = { command: 'cat /data/kept 2>/dev/null; echo "cron on $BERTH_RELEASE"', schedule: '* * * * *' };
const cronId = cronJobId(CRON.schedule, CRON.command);
interface CronRun { dueAt: number; outcome: string; release?: number; trigger: string }

describe('swarm scheduler on two nodes', { skip }, () => {
  let cluster: Cluster;
  let berth: Berth;
  let repo: string;
  const app = `t-${randomBytes(4).toString('hex')}`;
  const call = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);
  const whoami = async () => {
    const r = await viaRouter(berth.routerPort, `${app}.localhost`, '/whoami');
    return r.status === 200 ? JSON.parse(r.body) as { hostname: string; release: string } : undefined;
  };
  const route = async () => (await call('GET', `/apps/${app}/ps`)).body;

  before(async () => {
    cluster = await startCluster();
    berth = await startBerth({ ...cluster.env, BERTH_BOOT_TIMEOUT_SEC: '20', BERTH_IMAGE_RETENTION: '3' });
    repo = await sampleRepo('dockerfile-hello');
    await commitFile(repo, 'app.json', JSON.stringify({ formation: { web: { quantity: 2 } }, cron: [CRON] }));
  });
  after(async () => {
    await berth?.destroy();
    await cluster?.stop();
  });

  test('a push deploys a service whose tasks run on both nodes, pulled from the registry, and both serve', async () => {
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /pushed 10\.231\.\d+\.1:\d+\/berth\/app-t-[0-9a-f]+:v1/);
    assert.match(res.output, /web is running on 2 node\(s\)/);
    const svc = JSON.parse(cluster.manager.docker('service', 'inspect', `berth-${app}-web`))[0];
    assert.equal(svc.Spec.Labels['berth.app'], app);
    assert.equal(svc.Spec.Mode.Replicated.Replicas, 2);
    assert.equal(svc.Spec.UpdateConfig.Order, 'start-first');
    assert.equal(svc.Spec.UpdateConfig.FailureAction, 'rollback');
    assert.equal(svc.Spec.EndpointSpec.Ports[0].PublishMode, 'host');
    assert.ok(svc.Spec.TaskTemplate.Resources.Limits.MemoryBytes > 0);
    assert.ok(svc.Spec.TaskTemplate.ContainerSpec.Healthcheck.Test[1].includes('127.0.0.1:5000'));
    // The worker pulled the image from the registry (it never had it locally).
    assert.match(cluster.worker.docker('images', '--format', '{{.Repository}}'), /10\.231\.\d+\.1:\d+\/berth\/app-/);
    // Through the router, requests land on tasks of both nodes.
    const nodes = new Set<string>();
    for (let i = 0; i < 40 && nodes.size < 2; i++) {
      const who = await whoami();
      if (who) nodes.add(cluster.nodeOf(who.hostname) ?? `unknown ${who.hostname}`);
    }
    assert.deepEqual([...nodes].sort(), ['manager', 'worker']);
    const ps = await route();
    assert.equal(ps.processes.filter((p: { type: string; state: string }) => p.type === 'web' && p.state === 'running').length, 2, JSON.stringify(ps));
    // ps names the node each process runs on.
    assert.deepEqual(new Set(ps.processes.map((p: { node?: string }) => p.node)), new Set([cluster.manager.address, cluster.worker.address]), JSON.stringify(ps));
  });

  test('a node drained while a client loop runs: no request fails and every task ends on the other node', async () => {
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const loop = (async () => {
      while (!stop) {
        const r = await viaRouter(berth.routerPort, `${app}.localhost`, '/').catch((e: Error) => ({ status: 0, body: e.message }));
        if (r.status === 200) ok++; else failures.push(`${r.status} ${r.body.slice(0, 100)}`);
      }
    })();
    await sleep(1000);
    const managerId = JSON.parse(cluster.manager.docker('node', 'inspect', 'self'))[0].ID as string;
    const nodes = cluster.manager.docker('node', 'ls', '-q').split('\n').filter((n) => n && n !== managerId);
    const drained = nodes[0]!; // the worker node (not self)
    cluster.manager.docker('node', 'update', '--availability', 'drain', drained);
    try {
      // Both replicas end up on the manager, and the route follows.
      const deadline = Date.now() + 90_000;
      let where: string[] = [];
      while (Date.now() < deadline) {
        where = cluster.manager.docker('service', 'ps', `berth-${app}-web`, '--filter', 'desired-state=running', '--format', '{{.Node}}|{{.CurrentState}}').split('\n');
        const ids = cluster.worker.docker('ps', '-q', '--filter', `label=berth.app=${app}`);
        if (where.length === 2 && where.every((w) => w.includes('Running')) && !ids) break;
        await sleep(500);
      }
      assert.equal(cluster.worker.docker('ps', '-q', '--filter', `label=berth.app=${app}`), '', `still on the worker: ${where.join(', ')}`);
      // The route table follows within seconds: only the manager's address is left in it.
      const redis = new Redis({ path: path.join(berth.dataDir, 'redis', 'redis.sock'), keyPrefix: berth.env.BERTH_REDIS_PREFIX });
      let upstreams: string[] = [];
      try {
        for (let i = 0; i < 20; i++) {
          upstreams = JSON.parse((await redis.hget('routes', app)) ?? '{}').upstreams ?? [];
          if (upstreams.length === 2 && upstreams.every((u) => u.startsWith(`${cluster.manager.address}:`))) break;
          await sleep(500);
        }
      } finally { redis.disconnect(); }
      assert.ok(upstreams.length === 2 && upstreams.every((u) => u.startsWith(`${cluster.manager.address}:`)), `route: ${upstreams.join(', ')}`);
      await sleep(3000); // the loop keeps going on the new placement
    } finally {
      stop = true;
      await loop;
      cluster.manager.docker('node', 'update', '--availability', 'active', drained);
    }
    console.log(`drain: ${failures.length} of ${ok + failures.length} requests failed`);
    assert.ok(ok > 20, `only ${ok} requests ran`);
    assert.deepEqual(failures, []);
  });

  test('a rolling deploy whose health check fails is rolled back by Swarm; the old release keeps serving', async () => {
    // It listens on another port than $PORT: the tasks' health check (the port) never passes.
    await commitFile(repo, 'Procfile', 'web: PORT=5999 python3 /app/server.py\n');
    const before = await whoami();
    assert.ok(before);
    const res = await push(repo, berth.remote(app));
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /Swarm rolled it back|failed its health check/);
    assert.match(res.output, /the previous release keeps serving/);
    const svc = JSON.parse(cluster.manager.docker('service', 'inspect', `berth-${app}-web`))[0];
    assert.match(svc.UpdateStatus?.State ?? '', /rollback/);
    assert.equal(svc.Spec.Labels['berth.release'], before!.release);
    for (let i = 0; i < 10; i++) {
      const who = await whoami();
      assert.equal(who?.release, before!.release);
    }
  });

  test('after a switch from the local scheduler, the next start retires the containers it ran, once the services serve', async () => {
    // What the local scheduler leaves on the manager's engine: a web container with Berth's labels (and a one-off, which stays).
    const labels = (role: string) => ['--label', `berth.app=${app}`, '--label', 'berth.release=v1', '--label', `berth.process=${role}`, '--label', `berth.role=${role}`];
    const local = cluster.manager.docker('run', '-d', ...labels('web'), 'berth/stack:bookworm', 'sleep', 'infinity');
    const oneOff = cluster.manager.docker('run', '-d', ...labels('run'), 'berth/stack:bookworm', 'sleep', 'infinity');
    try {
      await berth.stop();
      await berth.start();
      assert.match(berth.output(), new RegExp(`${app}: its Swarm services serve; stopped 1 container\\(s\\) the local scheduler had run`));
      const left = cluster.manager.docker('ps', '-aq', '--no-trunc', '--filter', `label=berth.app=${app}`).split('\n');
      assert.ok(!left.includes(local), 'the local web container is gone');
      assert.ok(left.includes(oneOff), 'the one-off stays');
      assert.equal(JSON.parse(cluster.manager.docker('service', 'inspect', `berth-${app}-web`))[0].Spec.Mode.Replicated.Replicas, 2, 'the service stays');
      assert.ok(await whoami(), 'the app still answers');
    } finally {
      cluster.manager.docker('rm', '-f', oneOff);
    }
  });

  test('storage: a mount on web at 2 replicas is refused; at 1 it pins web to the manager, where its volume is; --stop-first sets the update order; scaling past 1 is refused through the API and the CLI', async () => {
    const volume = `berth-storage-${app}-data`;
    const replicas = () => JSON.parse(cluster.manager.docker('service', 'inspect', `berth-${app}-web`))[0].Spec.Mode.Replicated.Replicas as number;
    const refused = await call('POST', `/apps/${app}/storage`, { mount: 'data:/data', stopFirst: true });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'storage_pinned');
    assert.match(refused.body.error.message, /^cannot mount data:\/data on web: it runs 2 replicas, .*pinned to the node that holds its volumes/);
    assert.match(refused.body.error.hint, new RegExp(`berth ps:scale ${app} web=1`));
    assert.equal(cluster.manager.docker('volume', 'ls', '-q', '--filter', `name=^${volume}$`), '', 'no volume is made for a refused mount');
    assert.equal((await call('GET', `/apps/${app}/storage`)).body.mounts.length, 0);
    assert.equal(replicas(), 2);

    assert.equal((await call('PUT', `/apps/${app}/formation`, { formation: { web: 1 } })).status, 200);
    const r = await call('POST', `/apps/${app}/storage`, { mount: 'data:/data', stopFirst: true });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(JSON.parse(cluster.manager.docker('volume', 'inspect', volume))[0].Labels['berth.storage'], 'data');
    const svc = JSON.parse(cluster.manager.docker('service', 'inspect', `berth-${app}-web`))[0];
    const managerId = cluster.manager.docker('info', '--format', '{{.Swarm.NodeID}}').trim();
    assert.deepEqual(svc.Spec.TaskTemplate.Placement.Constraints, [`node.id==${managerId}`]);
    assert.deepEqual(svc.Spec.TaskTemplate.ContainerSpec.Mounts.map((m: { Source: string; Target: string }) => [m.Source, m.Target]), [[volume, '/data']]);
    assert.equal(svc.Spec.UpdateConfig.Order, 'stop-first');
    const onManager = (ps: { processes: { node?: string; state: string }[] }) => ps.processes.map((p) => [p.node, p.state]);
    let ps = await route();
    for (let i = 0; i < 50 && JSON.stringify(onManager(ps)) !== JSON.stringify([[cluster.manager.address, 'running']]); i++) {
      await sleep(200);
      ps = await route();
    }
    assert.deepEqual(onManager(ps), [[cluster.manager.address, 'running']], JSON.stringify(ps));
    assert.ok(await whoami(), 'the app still answers');

    const scaled = await call('PUT', `/apps/${app}/formation`, { formation: { web: 2 } });
    assert.equal(scaled.status, 409, JSON.stringify(scaled.body));
    assert.equal(scaled.body.error.code, 'storage_pinned');
    assert.match(scaled.body.error.message, /^web cannot run 2 replicas: it has the storage mount data:\/data, so it runs at most 1 replica \(on Swarm it is pinned/);
    assert.match(scaled.body.error.hint, new RegExp(`berth storage:unmount ${app} data:/data`));
    const cli = await runBerthCli(['ps:scale', app, 'web=3'], { HOME: berth.dataDir, BERTH_URL: `http://127.0.0.1:${berth.apiPort}`, BERTH_TOKEN: berth.token });
    assert.notEqual(cli.code, 0, cli.stdout);
    assert.match(cli.stderr, /web cannot run 3 replicas: it has the storage mount data:\/data/);
    assert.match(cli.stderr, /BERTH_SWARM_STORAGE_REPLICAS/);
    assert.equal(replicas(), 1, 'a refused scale changes nothing');
    assert.deepEqual((await route()).formation, { web: 1 });
  });

  test('storage: what the web task wrote to its volume is there after a redeploy, for the new release\'s task and for a one-off', async () => {
    const webOnManager = (release?: string) => cluster.manager.docker('ps', '-q', '--filter', `label=berth.app=${app}`, '--filter', 'label=berth.process=web',
      ...(release ? ['--filter', `label=berth.release=${release}`] : [])).split('\n').filter(Boolean);
    const [old] = webOnManager();
    assert.ok(old, 'the web task runs on the manager');
    const token = randomBytes(8).toString('hex');
    cluster.manager.docker('exec', old!, 'sh', '-c', `echo ${token} > /data/kept`);
    const before = (await whoami())?.release;
    // The rollback test above left a Procfile whose web never passes its check: back to the image's CMD.
    git(repo, 'rm', '-q', 'Procfile');
    git(repo, 'commit', '-qm', 'back to the CMD');
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
    const after = (await whoami())?.release;
    assert.ok(after && after !== before, `${before} -> ${after}`);
    const [fresh] = webOnManager(after);
    assert.ok(fresh && fresh !== old, 'a new task of the new release');
    assert.equal(cluster.manager.docker('exec', fresh!, 'cat', '/data/kept'), token);
    const run = await runBerthCli(['run', app, '--', 'cat', '/data/kept'], { HOME: berth.dataDir, BERTH_URL: `http://127.0.0.1:${berth.apiPort}`, BERTH_TOKEN: berth.token });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), token);
  });

  test('app.json cron on the swarm: `* * * * *` ran as one-offs of the live release, each with its output in the app log and its run in the history; cron:run runs it now with the storage', async () => {
    // The job has been on the schedule since the first push, minutes ago: its ticks have run by now.
    const deadline = Date.now() + 75_000;
    let runs: CronRun[] = [];
    while (Date.now() < deadline) {
      runs = ((await call('GET', `/apps/${app}/cron?runs=100`)).body.jobs as { id: string; runs: CronRun[] }[]).find((j) => j.id === cronId)?.runs ?? [];
      if (runs.some((x) => x.trigger === 'schedule' && x.outcome === 'succeeded')) break;
      await sleep(1000);
    }
    const ticked = runs.filter((x) => x.trigger === 'schedule');
    assert.ok(ticked.some((x) => x.outcome === 'succeeded'), JSON.stringify(runs));
    const lines = ((await call('GET', `/apps/${app}/logs?n=1000&type=cron`)).body.lines as { process: string; line: string }[])
      .filter((l) => l.process === `cron.${cronId}`).map((l) => l.line);
    const releases = (await call('GET', `/apps/${app}/releases`)).body.releases as { version: number; status: string }[];
    for (const x of ticked.filter((t) => t.outcome === 'succeeded')) {
      assert.equal(x.dueAt % 60_000, 0, JSON.stringify(x));
      assert.ok(lines.includes(`cron on v${x.release}`), `the run of v${x.release} logged its output: ${JSON.stringify(lines)}`);
      // Never the release whose deploy failed (the rollback test's): it was never live.
      assert.notEqual(releases.find((r) => r.version === x.release)?.status, 'failed', JSON.stringify({ run: x, releases }));
    }
    console.log(`cron ticks on the swarm: ${ticked.map((t) => `v${t.release} ${t.outcome}`).join(', ')}`);
    // Now: a one-off of the release that serves, with its storage.
    const live = (await whoami())?.release;
    const now = await sse(berth.apiPort, berth.token, 'POST', `/apps/${app}/cron/${cronId}/run`, {}, 60_000);
    assert.equal(now.status, 200);
    assert.deepEqual(now.events.find((e) => e.event === 'exit')?.data, { code: 0, outcome: 'succeeded' }, JSON.stringify(now.events));
    const output = now.events.filter((e) => e.event === 'message').map((e) => e.data.text as string).join('');
    assert.match(output, new RegExp(`^[0-9a-f]{16}\\ncron on ${live}\\n$`));
    const [last] = ((await call('GET', `/apps/${app}/cron`)).body.jobs as { id: string; runs: CronRun[] }[]).find((j) => j.id === cronId)!.runs;
    assert.equal(`v${last!.release}`, live);
    assert.equal(last!.trigger, 'manual');
  });
});
