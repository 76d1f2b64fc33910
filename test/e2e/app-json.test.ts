// app.json end to end, as a Dokku user pushes it: comments, deployment tasks
// (predeploy committed into the release image, postdeploy in a one-off), and
// strictness: a typo fails the push with a ` !     ` line before any release,
// and the previous release keeps serving.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, push, sampleRepo } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { labelledContainers, removeAppObjects } from '../helpers/docker.js';
import { api, sse } from '../helpers/api.js';

const appName = () => `t-${randomBytes(4).toString('hex')}`;
const inspect = (ref: string) => JSON.parse(execFileSync('docker', ['image', 'inspect', ref], { encoding: 'utf8' }))[0];

describe('app.json: Dokku compatibility and strictness', () => {
  let berth: Berth;
  const app = appName();
  const apps = [app];
  let repo: string;
  const call = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);
  const get = (p = '/') => viaRouter(berth.routerPort, `${app}.localhost`, p);
  /** Oldest first, whatever order the API lists them in. */
  const releases = async () => ((await call('GET', `/apps/${app}/releases`)).body.releases as { version: number; status?: string }[])
    .sort((a, b) => a.version - b.version);

  before(async () => {
    berth = await startBerth();
    assert.equal((await call('POST', '/apps', { name: app })).status, 201);
    assert.equal((await call('PUT', `/apps/${app}/config`, { vars: { GREETING: 'hola' }, restart: false })).status, 200);
    repo = await sampleRepo('dokku-scripts');
  });
  after(async () => {
    await berth?.destroy();
    removeAppObjects(apps);
  });

  test('app.json with comments deploys; predeploy is committed into vN, postdeploy runs after and is dropped', async () => {
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
    const out = res.output;
    // Dokku's order: predeploy, then the launch, then postdeploy, then the release lines.
    const order = ['Running predeploy (app.json)', 'predeploy ran', 'Launching v', 'passed its health checks', 'Running postdeploy (app.json)', 'postdeploy ran', 'Released v'];
    const at = order.map((s) => out.indexOf(s));
    assert.ok(at.every((i, n) => i > 0 && (n === 0 || i > at[n - 1]!)), `${JSON.stringify(at)}\n${out}`);
    assert.match(out, /remote: {8}predeploy ran/);
    const version = (await releases()).at(-1)!.version;
    assert.equal((await get()).body, `dokku-scripts: predeploy said hola from v${version}\n`);
    execFileSync(path.join(ROOT, 'apps/dokku-scripts/check'), [`http://${app}.localhost:${berth.routerPort}`], { encoding: 'utf8' });

    // The release image is the committed one, with the image's own config and no config vars in it.
    const image = inspect(`berth/app-${app}:v${version}`);
    assert.deepEqual(image.Config.Cmd, ['python3', '/app/server.py']);
    assert.equal(image.Config.WorkingDir, '/app');
    assert.equal(image.Config.Labels['berth.app'], app);
    assert.ok(!JSON.stringify(image).includes('hola'), 'a config var leaked into the image');
    assert.ok(!JSON.stringify(image.Config).includes('sleep'), JSON.stringify(image.Config));
    // No one-off is left behind.
    assert.deepEqual(execFileSync('docker', ['ps', '-aq', '--filter', `label=berth.app=${app}`, '--filter', 'label=berth.role=run'], { encoding: 'utf8' }).trim(), '');
  });

  test('a failing predeploy fails the push with its output; the previous release keeps serving', async () => {
    const before = (await get()).body;
    const count = (await releases()).length;
    const appJson = JSON.stringify({ scripts: { dokku: { predeploy: 'echo about to fail; echo broken > /app/predeploy.test; exit 3' } } });
    await commitFile(repo, 'app.json', appJson);
    const res = await push(repo, berth.remote(app));
    assert.notEqual(res.code, 0);
    assert.match(res.output, /remote: {8}about to fail/);
    assert.match(res.output, /remote: {2}! {5}app\.json's scripts\.dokku\.predeploy exited with code 3/);
    assert.match(res.output, /the previous release keeps serving/);
    assert.equal((await get()).body, before);
    const all = await releases();
    assert.equal(all.length, count + 1);
    assert.equal(all.at(-1)!.status, 'failed');
    assert.equal(labelledContainers(app, false).length, 1, 'only the old web container runs');
  });

  test('a failing postdeploy fails the push, but the new release is live (as on Dokku)', async () => {
    await commitFile(repo, 'app.json', JSON.stringify({ scripts: { dokku: {
      predeploy: 'echo second > /app/predeploy.test', postdeploy: 'echo notifying; exit 5' } } }));
    const res = await push(repo, berth.remote(app));
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /remote: {8}notifying/);
    assert.match(res.output, /! {5}app\.json's scripts\.dokku\.postdeploy exited with code 5/);
    assert.match(res.output, /! {5}v\d+ is live and serving/);
    assert.doesNotMatch(res.output, /previous release keeps serving/);
    assert.equal((await get()).body, 'dokku-scripts: predeploy said second\n');
  });

  test('a buildpack app: predeploy runs through the slug launcher, and the committed image keeps it', async () => {
    const bp = appName(); apps.push(bp);
    const bpRepo = await sampleRepo('procfile-worker');
    // A .profile.d script only the launcher sources: proof predeploy ran through it.
    await mkdir(path.join(bpRepo, '.profile.d'));
    await commitFile(bpRepo, '.profile.d/marker.sh', 'export FROM_PROFILE=sourced\n');
    await commitFile(bpRepo, 'app.json', `{
      "formation": { "web": { "quantity": 1 }, "worker": { "quantity": 0 } }, // no worker needed here
      "scripts": { "dokku": { "predeploy": "echo \\"$FROM_PROFILE $DYNO\\" > /app/pre.txt" } },
      "healthchecks": { "web": [{ "path": "/", "uptime": 1 }] },
    }`);
    const res = await push(bpRepo, berth.remote(bp));
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /predeploy changes committed to v1's image/);
    assert.match(res.output, /remote: {8}Warning: app\.json: healthchecks\.web\[0\]\.uptime is not supported by Berth; ignored/);
    const image = inspect(`berth/app-${bp}:v1`);
    assert.ok(Array.isArray(image.Config.Entrypoint) && image.Config.Entrypoint.length > 0, JSON.stringify(image.Config));
    assert.equal(image.Config.User, 'app');
    assert.ok(!JSON.stringify(image.Config).includes('sleep'));
    const run = await sse(berth.apiPort, berth.token, 'POST', `/apps/${bp}/run`, { command: ['cat', '/app/pre.txt'] });
    const out = run.events.filter((e) => e.event === 'message').map((e) => e.data.text).join('');
    assert.match(out, /^sourced run\.\d+$/m, JSON.stringify(run.events));
    assert.equal((await viaRouter(berth.routerPort, `${bp}.localhost`)).status, 200);
  });

  for (const [name, appJson, message] of [
    ['formation names an unknown process type', '{"formation": {"web": {"quantity": 1}, "wroker": {"quantity": 1}}}',
      /app\.json: formation\.wroker: the app has no process type "wroker"; its process types are: web, worker \(from the Procfile\)/],
    ['healthchecks is an array', '{"healthchecks": [{"path": "/"}]}', /app\.json: healthchecks must be an object .*not a list/],
    ['healthchecks names an unknown process type', '// checks\n{"healthchecks": {"wbe": [{"path": "/"}]}}', /app\.json: healthchecks\.wbe: the app has no process type "wbe"/],
    ['a check has a typo', '{"healthchecks": {"web": [{"path": "/", "atempts": 3}]}}', /app\.json: healthchecks\.web\[0\] has an unknown key "atempts"/],
    ['a check is not an object', '{"healthchecks": {"web": ["/"]}}', /app\.json: healthchecks\.web\[0\] must be an object/],
    ['scripts.dokku has a typo', '{"scripts": {"dokku": {"pre_deploy": "x"}}}', /app\.json: scripts\.dokku has an unknown key "pre_deploy"/],
  ] as const) {
    test(`refused before any release when ${name}`, async () => {
      const before = (await get()).body;
      const count = (await releases()).length;
      await commitFile(repo, 'app.json', appJson);
      const res = await push(repo, berth.remote(app));
      assert.notEqual(res.code, 0, res.output);
      assert.match(res.output, new RegExp(`remote: {2}! {5}${message.source}`), res.output);
      assert.match(res.output, /the previous release keeps serving/);
      assert.doesNotMatch(res.output, /Created release/);
      assert.equal((await releases()).length, count);
      assert.equal((await get()).body, before);
    });
  }
});
