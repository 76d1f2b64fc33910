// Push to live on the local Docker engine: the scheduler-independent suite
// (deploy-suite.ts, also run on a swarm), then what only this engine shows:
// the container Berth made, and git-level refusals. Real git, Docker, Redis
// and router; each test uses its own random app name.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, push, sampleRepo } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { api } from '../helpers/api.js';
import { labelledContainers, removeAppObjects } from '../helpers/docker.js';
import { localEngine } from '../helpers/app-engine.js';
import { describeDeploy } from './deploy-suite.js';

const appName = () => `t-${randomBytes(4).toString('hex')}`;

describeDeploy('push to live (Dockerfile app)', localEngine);

describe('push to live on the local engine: containers and refusals', () => {
  let berth: Berth;
  const apps: string[] = [];
  const host = (app: string) => `${app}.localhost`;

  before(async () => { berth = await startBerth(); });
  after(async () => {
    await berth?.destroy();
    removeAppObjects(apps);
  });

  test('the container carries Berth\'s labels and PORT, publishes on loopback only, with no-new-privileges', async () => {
    const app = appName(); apps.push(app);
    const repo = await sampleRepo('dockerfile-hello');
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
    const inspect = JSON.parse(execFileSync('docker', ['inspect', labelledContainers(app, false)[0]!], { encoding: 'utf8' }))[0];
    assert.equal(inspect.Config.Labels['berth.app'], app);
    assert.equal(inspect.Config.Labels['berth.release'], 'v1');
    assert.equal(inspect.Config.Labels['berth.role'], 'web');
    assert.ok(inspect.Config.Env.includes('PORT=5000'));
    assert.equal(inspect.HostConfig.PortBindings['5000/tcp'][0].HostIp, '127.0.0.1');
    assert.deepEqual(inspect.HostConfig.SecurityOpt, ['no-new-privileges']);
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
    // Without the watch after go-live for the next release, which would keep v1 standing by for 60 s first.
    const off = await api(berth.apiPort, berth.token, 'PUT', `/apps/${app}/config`, { vars: { BERTH_WATCH_SEC: '0' }, restart: false });
    assert.equal(off.status, 200, JSON.stringify(off.body));
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
});
