// Push to live, end to end: real git, real Docker, real Redis, the real
// router. Each test uses its own random app name.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startBerth, ROOT, type Berth } from '../helpers/berth.js';
import { commitFile, push, sampleRepo } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { api } from '../helpers/api.js';
import { labelledContainers, removeAppObjects } from '../helpers/docker.js';

const appName = () => `t-${randomBytes(4).toString('hex')}`;

describe('push to live (Dockerfile app)', () => {
  let berth: Berth;
  const apps: string[] = [];
  const host = (app: string) => `${app}.localhost`;

  before(async () => { berth = await startBerth(); });
  after(async () => {
    await berth?.destroy();
    removeAppObjects(apps);
  });

  test('first push builds, releases v1 and the app answers through the router', async () => {
    const app = appName(); apps.push(app);
    const repo = await sampleRepo('dockerfile-hello');
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /remote: -----> Building .* from [0-9a-f]{7}/);
    assert.match(res.output, /remote: -----> Released v1/);
    assert.match(res.output, new RegExp(`http://${app}\\.localhost:${berth.routerPort} deployed to Berth`));
    const reply = await viaRouter(berth.routerPort, host(app));
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'Hello from Berth!\n');
    // The sample's own check script, as Dokku's check_deploy does.
    const checked = execFileSync(path.join(ROOT, 'apps/dockerfile-hello/check'), [`http://${app}.localhost:${berth.routerPort}`], { encoding: 'utf8' });
    assert.match(checked, /^ok:/);
    // The container carries Berth's labels and publishes on loopback only.
    const inspect = JSON.parse(execFileSync('docker', ['inspect', labelledContainers(app, false)[0]!], { encoding: 'utf8' }))[0];
    assert.equal(inspect.Config.Labels['berth.release'], 'v1');
    assert.equal(inspect.Config.Labels['berth.role'], 'web');
    assert.ok(inspect.Config.Env.includes('PORT=5000'));
    assert.equal(inspect.HostConfig.PortBindings['5000/tcp'][0].HostIp, '127.0.0.1');
    assert.deepEqual(inspect.HostConfig.SecurityOpt, ['no-new-privileges']);

    // A redeploy under load: a client loop sees no failed request.
    await commitFile(repo, 'message.txt', 'Hello again from Berth!\n');
    const seen = new Map<string, number>();
    let failures = 0;
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        try {
          const r = await viaRouter(berth.routerPort, host(app));
          const key = r.status === 200 ? r.body : `status ${r.status}`;
          if (r.status !== 200) failures++;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        } catch (err) {
          failures++;
          seen.set(String(err), (seen.get(String(err)) ?? 0) + 1);
        }
      }
    })();
    const res2 = await push(repo, berth.remote(app));
    // Keep the loop going through the drain and stop of the old container.
    await new Promise((r) => setTimeout(r, 3000));
    stop = true;
    await loop;
    assert.equal(res2.code, 0, res2.output);
    assert.match(res2.output, /Released v2/);
    assert.equal(failures, 0, `failed requests during redeploy: ${JSON.stringify([...seen])}\n${berth.output()}`);
    assert.ok(seen.get('Hello from Berth!\n'), 'the old release served during the build');
    assert.ok(seen.get('Hello again from Berth!\n'), 'the new release served after the switch');
    // The old container is gone once drained.
    const running = labelledContainers(app, true);
    assert.equal(running.length, 1, 'only the v2 container remains');
  });

  test('a wrong token is refused and the push fails', async () => {
    const app = appName(); apps.push(app);
    const repo = await sampleRepo('dockerfile-hello');
    const res = await push(repo, berth.remote(app, 'not-the-token'));
    assert.notEqual(res.code, 0);
    assert.match(res.output, /Authentication failed|401/);
    const missing = await push(repo, `http://127.0.0.1:${berth.apiPort}/${app}.git`);
    assert.notEqual(missing.code, 0);
    // Nothing was created for the app.
    const reply = await viaRouter(berth.routerPort, host(app));
    assert.equal(reply.status, 404);
  });

  test('a POST to git-receive-pack without credentials is refused', async () => {
    const res = await fetch(`http://127.0.0.1:${berth.apiPort}/sneaky.git/git-receive-pack`, { method: 'POST', body: '0000' });
    assert.equal(res.status, 401);
  });

  test('an invalid app name is refused with the reason', async () => {
    const repo = await sampleRepo('dockerfile-hello');
    const res = await push(repo, berth.remote('Bad_Name'));
    assert.notEqual(res.code, 0);
    assert.match(res.output, /remote: berth: invalid app name "Bad_Name"/);
    const reserved = await push(repo, berth.remote('api'));
    assert.notEqual(reserved.code, 0);
    assert.match(reserved.output, /reserved/);
  });

  test('a failing RUN step rejects the push and the previous release keeps serving', async () => {
    const app = appName(); apps.push(app);
    const repo = await sampleRepo('dockerfile-hello');
    assert.equal((await push(repo, berth.remote(app))).code, 0);
    await commitFile(repo, 'Dockerfile', 'FROM berth/stack:bookworm\nRUN echo about to fail && exit 3\n');
    const res = await push(repo, berth.remote(app));
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /remote: {8}about to fail/, "the failing step's own output is shown");
    assert.match(res.output, /remote: {2}! {5}the Docker build failed: .*exit code: 3/);
    assert.match(res.output, /pre-receive hook declined/);
    const reply = await viaRouter(berth.routerPort, host(app));
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'Hello from Berth!\n');
  });

  test('a web process that never listens fails the deploy; the old release keeps serving', async () => {
    const app = appName(); apps.push(app);
    const repo = await sampleRepo('dockerfile-hello');
    assert.equal((await push(repo, berth.remote(app))).code, 0);
    await commitFile(repo, 'Procfile', 'web: echo crashing on boot; exit 1\n');
    const res = await push(repo, berth.remote(app));
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /web\.1 exited with code 1 while booting/);
    assert.match(res.output, /crashing on boot/);
    const reply = await viaRouter(berth.routerPort, host(app));
    assert.equal(reply.body, 'Hello from Berth!\n');
    assert.equal(labelledContainers(app, true).length, 1, 'the failed release left no container');
  });

  test('a retired container takes its image VOLUME with it: redeploys leave no anonymous volumes behind', async () => {
    const app = appName(); apps.push(app);
    const repo = await sampleRepo('dockerfile-hello');
    const dockerfile = readFileSync(path.join(repo, 'Dockerfile'), 'utf8');
    await commitFile(repo, 'Dockerfile', `${dockerfile}\nVOLUME /data\n`);
    assert.equal((await push(repo, berth.remote(app))).code, 0);
    const volumeOf = (id: string) => JSON.parse(execFileSync('docker', ['inspect', id], { encoding: 'utf8' }))[0].Mounts
      .filter((m: { Type: string; Destination: string }) => m.Type === 'volume' && m.Destination === '/data').map((m: { Name: string }) => m.Name);
    const first = volumeOf(labelledContainers(app, false)[0]!);
    assert.equal(first.length, 1, 'the image VOLUME is an anonymous volume');
    await commitFile(repo, 'message.txt', 'Hello again from Berth!\n');
    assert.equal((await push(repo, berth.remote(app))).code, 0);
    for (let i = 0; i < 50 && labelledContainers(app).length > 1; i++) await new Promise((r) => setTimeout(r, 200));
    const volumes = execFileSync('docker', ['volume', 'ls', '-q'], { encoding: 'utf8' }).split('\n');
    assert.ok(!volumes.includes(first[0]), `v1's volume ${first[0]} is gone with its container`);
  });

  test('a push to another branch is accepted without deploying', async () => {
    const app = appName(); apps.push(app);
    // Of an app that exists: to an unknown app only main/master may be pushed (test/e2e/git-hardening).
    assert.equal((await api(berth.apiPort, berth.token, 'POST', '/apps', { name: app })).status, 201);
    const repo = await sampleRepo('dockerfile-hello');
    const res = await push(repo, berth.remote(app), 'main:feature');
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /refs\/heads\/feature accepted without deploying/);
    assert.equal(labelledContainers(app).length, 0);
  });

  test('a server restart keeps the app routed', async () => {
    const app = appName(); apps.push(app);
    const repo = await sampleRepo('dockerfile-hello');
    assert.equal((await push(repo, berth.remote(app))).code, 0);
    const before = labelledContainers(app, false);
    await berth.stop();
    await berth.start();
    const reply = await viaRouter(berth.routerPort, host(app));
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'Hello from Berth!\n');
    assert.deepEqual(labelledContainers(app, false), before, 'the same container serves: nothing was redeployed');
  });
});
