// Backing services on a two-node Swarm (issue 21 item 3): a postgres is a
// Swarm service pinned to the manager's node with a local volume; a link
// attaches it to the app's overlay, so the app's tasks (one on the other node) reach it
// by name while another app's tasks reach it neither by name nor by address;
// its data survives a service restart and a redeploy of the app; a backup
// (pg_dump in the task, read back and checked) restores a dropped table, and
// a redis restore (task scaled to 0, file swapped into the volume) works too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, push, sampleRepo } from '../helpers/git.js';
import { api } from '../helpers/api.js';
import { swarmSkip } from '../helpers/app-engine.js';
import { startCluster, type Cluster } from '../helpers/swarm-cluster.js';
import type { SecondEngine } from '../helpers/second-engine.js';

const skip = swarmSkip();
const hex = () => randomBytes(3).toString('hex');

describe('backing services on swarm', { skip }, () => {
  let cluster: Cluster;
  let berth: Berth;
  const app = `t-sa-${hex()}`;
  const other = `t-so-${hex()}`;
  const db = `db-${hex()}`;
  const cache = `cache-${hex()}`;
  const call = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);
  const engines = () => [['manager', cluster.manager], ['worker', cluster.worker]] as [string, SecondEngine][];
  /** The app's running web task containers, with the node each runs on. */
  const tasks = (a: string) => engines().flatMap(([node, e]) =>
    e.docker('ps', '-q', '--filter', `label=berth.app=${a}`, '--filter', 'label=berth.role=web').split('\n').filter(Boolean).map((id) => ({ node, e, id })));
  const tcp = (t: { e: SecondEngine; id: string }, host: string) => {
    try { return t.e.docker('exec', t.id, 'bash', '-c', `timeout 5 bash -c 'exec 3<>/dev/tcp/${host}/5432' && echo open || echo closed`); } catch { return 'closed'; }
  };
  const inTask = (service: string, ...cmd: string[]) => {
    const id = cluster.manager.docker('ps', '-q', '--filter', `label=berth.service=${service}`);
    return cluster.manager.docker('exec', id, ...cmd);
  };
  const psql = (sql: string) => inTask(db, 'psql', '-XtAc', sql, 'postgres');

  before(async () => {
    cluster = await startCluster();
    await cluster.manager.loadImages(['berth/service-postgres:15', 'berth/service-redis:7']);
    berth = await startBerth({ ...cluster.env, BERTH_BOOT_TIMEOUT_SEC: '30' });
    const repo = await sampleRepo('dockerfile-hello');
    await commitFile(repo, 'app.json', JSON.stringify({ formation: { web: { quantity: 2 } } }));
    for (const a of [app, other]) {
      const res = await push(repo, berth.remote(a));
      assert.equal(res.code, 0, res.output);
    }
  });
  after(async () => {
    await berth?.destroy();
    await cluster?.stop();
  });

  test('create makes a Swarm service pinned to one node with a local volume, and answers once postgres accepts connections', async () => {
    // The redis is only for the offline (stop, swap the file in, start) restore below; made meanwhile.
    const [created, redis] = await Promise.all([call('POST', '/services', { kind: 'postgres', name: db }), call('POST', '/services', { kind: 'redis', name: cache })]);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(redis.status, 201, JSON.stringify(redis.body));
    assert.equal(created.body.service.status, 'running');
    assert.match(created.body.service.version, /^15\./);
    const svc = JSON.parse(cluster.manager.docker('service', 'inspect', `berth-svc-${db}`))[0];
    assert.match(svc.Spec.TaskTemplate.Placement.Constraints[0], /^node\.id==/);
    assert.equal(svc.Spec.TaskTemplate.ContainerSpec.Mounts[0].Source, `berth-svc-${db}-data`);
    assert.equal(svc.Spec.Labels['berth.service'], db);
    assert.equal(svc.Spec.EndpointSpec?.Ports ?? undefined, undefined, 'no published port');
  });

  test('link: the app\'s tasks reach the database over the overlay, across nodes; another app\'s do not', async () => {
    const linked = await call('POST', `/services/${db}/links`, { app });
    assert.equal(linked.status, 200, JSON.stringify(linked.body));
    assert.equal(linked.body.envVar, 'DATABASE_URL');
    let mine = tasks(app);
    const linkedTask = (t: { e: SecondEngine; id: string }) => t.e.docker('inspect', '-f', '{{range .Config.Env}}{{println .}}{{end}}', t.id).includes('DATABASE_URL=');
    for (let i = 0; i < 60 && (mine.length < 2 || !mine.every(linkedTask)); i++) {
      await sleep(1000);
      mine = tasks(app);
    }
    assert.ok(mine.length >= 2 && mine.every(linkedTask), 'the new release with DATABASE_URL runs');
    // The database is pinned to the manager: a task on the worker reaches it across nodes.
    assert.ok(mine.some((t) => t.node === 'worker'), `the app's tasks run on: ${mine.map((t) => t.node)}`);
    for (const t of mine) {
      // The overlay's name service learns of the new task within a moment.
      let seen = tcp(t, `berth-svc-${db}`);
      for (let i = 0; i < 10 && seen !== 'open'; i++) { await sleep(1000); seen = tcp(t, `berth-svc-${db}`); }
      assert.equal(seen, 'open', `from the app's task on the ${t.node}`);
    }
    const task = cluster.manager.docker('ps', '-q', '--filter', `label=berth.service=${db}`);
    const ip = Object.values(JSON.parse(cluster.manager.docker('inspect', task))[0].NetworkSettings.Networks as Record<string, { IPAddress: string }>).map((n) => n.IPAddress);
    assert.ok(ip.length >= 2, `the service's addresses: ${ip}`);
    const theirs = tasks(other);
    assert.ok(theirs.length > 0);
    for (const t of theirs) {
      assert.equal(tcp(t, `berth-svc-${db}`), 'closed', `another app's task on the ${t.node}, by name`);
      for (const a of ip) assert.equal(tcp(t, a), 'closed', `another app's task on the ${t.node}, by ${a}`);
    }
  });

  test('data survives a service restart and a redeploy of the app; destroy is refused while linked', async () => {
    psql('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    const restarted = await call('POST', `/services/${db}/restart`);
    assert.equal(restarted.status, 200, JSON.stringify(restarted.body));
    assert.equal(psql('SELECT n FROM kept'), '42');
    const redeployed = await call('PUT', `/apps/${app}/config`, { vars: { TOUCH: hex() } });
    assert.equal(redeployed.status, 200, JSON.stringify(redeployed.body));
    assert.equal(psql('SELECT n FROM kept'), '42');
    const refused = await call('DELETE', `/services/${db}?confirm=${db}`);
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, new RegExp(`linked to ${app}`));
  });

  test('backup and restore: pg_dump in the pinned task, checked, listed; a dropped table comes back', async () => {
    psql('CREATE TABLE visits (n int, note text); INSERT INTO visits SELECT g, md5(g::text) FROM generate_series(1, 1000) g');
    const made = await call('POST', `/services/${db}/backups`, {});
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const { id, status, check, size } = made.body.backup;
    assert.equal(status, 'succeeded');
    assert.match(check, /^passed/);
    assert.ok(size > 10_000, `dump size ${size}`);
    assert.ok(statSync(path.join(berth.dataDir, 'backups', db, `${id}.dump`)).size === size);
    const listed = (await call('GET', `/services/${db}/backups`)).body.backups as { id: string; status: string }[];
    assert.deepEqual(listed.filter((b) => b.id === id).map((b) => b.status), ['succeeded']);
    psql('DROP TABLE visits; UPDATE kept SET n = 7');
    const restored = await call('POST', `/services/${db}/restore`, { backup: id });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(psql('SELECT count(*), sum(n) FROM visits'), '1000|500500');
    assert.equal(psql('SELECT n FROM kept'), '42', 'a table the restore did not drop is put back as it was');
    // The linked app's tasks still reach it after the restore (no task restart, no network change).
    for (const t of tasks(app)) assert.equal(tcp(t, `berth-svc-${db}`), 'open', `from the app's task on the ${t.node}`);
  });

  test('redis: the restore scales the task to 0, swaps the RDB into the volume once it is gone, and starts it again', async () => {
    inTask(cache, 'redis-cli', 'SET', 'greeting', 'hello');
    const made = await call('POST', `/services/${cache}/backups`, {});
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const before = inTask(cache, 'hostname');
    inTask(cache, 'redis-cli', 'SET', 'greeting', 'changed');
    inTask(cache, 'redis-cli', 'SET', 'later', 'x');
    const restored = await call('POST', `/services/${cache}/restore`, { backup: made.body.backup.id });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.notEqual(inTask(cache, 'hostname'), before, 'a new task');
    assert.equal(inTask(cache, 'redis-cli', 'GET', 'greeting'), 'hello');
    assert.equal(inTask(cache, 'redis-cli', 'EXISTS', 'later'), '0');
  });

  test('unlink and destroy remove the service, its overlay and its volume', async () => {
    assert.equal((await call('DELETE', `/services/${db}/links/${app}`)).status, 200);
    // Both at once: each waits for its task's container to go before it removes the volume.
    const removed = await Promise.all([db, cache].map((n) => call('DELETE', `/services/${n}?confirm=${n}`)));
    for (const d of removed) assert.equal(d.status, 200, JSON.stringify(d.body));
    for (const n of [db, cache]) {
      assert.equal(cluster.manager.docker('service', 'ls', '-q', '--filter', `label=berth.service=${n}`), '', n);
      assert.equal(cluster.manager.docker('volume', 'ls', '-q', '--filter', `label=berth.service=${n}`), '', n);
      assert.equal(cluster.manager.docker('network', 'ls', '-q', '--filter', `label=berth.service=${n}`), '', n);
    }
  });
});
