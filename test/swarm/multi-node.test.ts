// Berth on a two-node Docker Swarm (BERTH_SCHEDULER=swarm), both nodes private
// engines in their own network namespaces: tasks spread over both nodes and
// serve traffic from both, a node drained under a client loop loses no
// request, and a rolling deploy that fails its health check rolls back by itself.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, push, sampleRepo } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { api, sse } from '../helpers/api.js';
import { privateEnginesSupported } from '../helpers/second-engine.js';
import { registrySupported } from '../helpers/registry.js';
import { startCluster, type Cluster } from '../helpers/swarm-cluster.js';

const skip = privateEnginesSupported() ?? registrySupported();

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
    await commitFile(repo, 'app.json', JSON.stringify({ formation: { web: { quantity: 2 } } }));
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

  // Day-two operations through the same ops/ as with the local scheduler (test/e2e/lifecycle.test.ts).
  const app2 = `t-${randomBytes(4).toString('hex')}`;
  const call2 = (method: string, p: string, body?: unknown) => call(method, p.replace('APP', app2), body);
  const get2 = (p: string) => viaRouter(berth.routerPort, `${app2}.localhost`, p);

  test('lifecycle: push with a worker, config change, scale, ps and logs across nodes', async () => {
    const repo2 = await sampleRepo('dockerfile-hello');
    await commitFile(repo2, 'Procfile', 'web: python3 /app/server.py\nworker: while true; do echo worker tick; sleep 1; done\n');
    const res = await push(repo2, berth.remote(app2));
    assert.equal(res.code, 0, res.output);
    const cfg = await call2('PUT', '/apps/APP/config', { vars: { GREETING: 'hola' } });
    assert.equal(cfg.status, 200, JSON.stringify(cfg.body));
    assert.equal((await get2('/env/GREETING')).body, 'hola');
    const scaled = await call2('PUT', '/apps/APP/formation', { formation: { web: 2, worker: 1 } });
    assert.equal(scaled.status, 200, JSON.stringify(scaled.body));
    assert.deepEqual(scaled.body.processes.map((p: { name: string }) => p.name), ['web.1', 'web.2', 'worker.1']);
    assert.ok(scaled.body.processes.every((p: { node?: string }) => /^10\.231\./.test(p.node ?? '')), JSON.stringify(scaled.body));
    const hosts = new Set<string>();
    for (let i = 0; i < 20 && hosts.size < 2; i++) hosts.add(JSON.parse((await get2('/whoami')).body).hostname);
    assert.equal(hosts.size, 2);
    let lines: { process: string; line: string }[] = [];
    for (let i = 0; i < 40 && !lines.some((l) => l.process === 'worker.1' && l.line === 'worker tick'); i++) {
      await sleep(500);
      lines = (await call2('GET', '/apps/APP/logs?n=200')).body.lines;
    }
    assert.ok(lines.some((l) => l.process === 'worker.1' && l.line === 'worker tick'), JSON.stringify(lines.slice(-5)));
  });

  test('lifecycle: run passes the exit code; resource limits and ps:restart keep serving', async () => {
    const run = await sse(berth.apiPort, berth.token, 'POST', `/apps/${app2}/run`, { command: ['sh', '-c', 'echo "app=$BERTH_APP"; exit 3'] });
    assert.ok(run.events.some((e) => e.event === 'message' && e.data.text?.includes(`app=${app2}`)), JSON.stringify(run.events));
    assert.deepEqual(run.events.at(-1), { event: 'exit', data: { code: 3 } });
    assert.equal((await call2('PUT', '/apps/APP/resources', { processType: 'web', memory: '256m' })).status, 200);
    let stop = false;
    const statuses: number[] = [];
    const loop = (async () => { while (!stop) statuses.push((await get2('/').catch(() => ({ status: 0 }))).status); })();
    const res = await call2('POST', '/apps/APP/ps/restart', { type: 'web' });
    stop = true;
    await loop;
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(statuses.length > 5 && statuses.every((s) => s === 200), `statuses: ${[...new Set(statuses)]}`);
    const svc = JSON.parse(cluster.manager.docker('service', 'inspect', `berth-${app2}-web`))[0];
    assert.equal(svc.Spec.TaskTemplate.Resources.Limits.MemoryBytes, 256 * 1024 * 1024);
  });

  test('lifecycle: stop answers 503, start and rollback bring it back, destroy removes services and registry tags', async () => {
    assert.equal((await call2('POST', '/apps/APP/ps/stop')).status, 200);
    assert.equal((await get2('/')).status, 503);
    const started = await call2('POST', '/apps/APP/ps/start');
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal((await get2('/')).status, 200);
    const back = await call2('POST', '/apps/APP/rollback', { version: 'v1' });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal((await get2('/env/GREETING')).body, '');
    const auth = `Basic ${Buffer.from(`${cluster.registry.username}:${cluster.registry.password}`).toString('base64')}`;
    const tags = async () => (await (await fetch(`http://${cluster.registry.address}/v2/berth/app-${app2}/tags/list`, { headers: { authorization: auth } })).json()) as { tags?: string[] | null };
    assert.ok((await tags()).tags?.length, 'the registry has the app');
    const res = await call2('DELETE', `/apps/APP?confirm=${app2}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(cluster.manager.docker('service', 'ls', '-q', '--filter', `label=berth.app=${app2}`), '');
    assert.deepEqual((await tags()).tags ?? [], []);
    assert.equal((await get2('/')).status, 404);
  });
});
