// Buildpack builds end to end: real git pushes of the sample apps that have
// no Dockerfile, to a real server, each answering through the router and
// passing its own check script; the cache on a second push; and the
// failures a user must be able to act on. Each test uses its own app.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, ROOT, type Berth } from '../helpers/berth.js';
import { commitFile, git, push, sampleRepo, type PushResult } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { labelledContainers, removeAppObjects } from '../helpers/docker.js';
import { api } from '../helpers/api.js';

const appName = () => `t-${randomBytes(4).toString('hex')}`;
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const volumeExists = (app: string) => docker('volume', 'ls', '-q', '--filter', `label=berth.app=${app}`) !== '';

describe('push to live with buildpacks', () => {
  let berth: Berth;
  const apps: string[] = [];
  const repos: string[] = [];
  const url = (app: string) => `http://${app}.localhost:${berth.routerPort}`;
  const get = (app: string, p = '/') => viaRouter(berth.routerPort, `${app}.localhost`, p);
  const check = (sample: string, app: string) =>
    execFileSync(path.join(ROOT, 'apps', sample, 'check'), [url(app)], { encoding: 'utf8' });

  async function pushSample(sample: string, change?: (repo: string) => Promise<void>): Promise<{ app: string; repo: string; res: PushResult }> {
    const app = appName();
    apps.push(app);
    const repo = await sampleRepo(sample);
    repos.push(repo);
    if (change) await change(repo);
    return { app, repo, res: await push(repo, berth.remote(app)) };
  }

  before(async () => { berth = await startBerth(); });
  after(async () => {
    await berth?.destroy();
    removeAppObjects(apps);
    for (const app of apps) execFileSync('docker', ['volume', 'rm', '-f', `berth-cache-${app}`], { stdio: 'ignore' });
    for (const r of repos) await rm(r, { recursive: true, force: true });
  });

  let node: { app: string; repo: string };

  test('node-hello builds with Node.js from the npm registry; a second push reuses node_modules from the cache', async () => {
    const t0 = performance.now();
    const { app, repo, res } = await pushSample('node-hello');
    const coldMs = performance.now() - t0;
    node = { app, repo };
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /remote: -----> Node\.js app detected/);
    assert.match(res.output, /remote: {8}Verified both against the registry's integrity hashes/);
    assert.match(res.output, /remote: -----> Installing dependencies with npm/);
    assert.match(res.output, /remote: {8}web: npm start/);
    assert.match(res.output, /remote: -----> Released v1/);
    assert.match(check('node-hello', app), /^ok:/);
    // The slug runs as the stack's non-root user; the build left no container behind.
    assert.equal(docker('image', 'inspect', '-f', '{{.Config.User}}', `berth/app-${app}:v1`), 'app');
    const web = labelledContainers(app, false)[0]!;
    assert.equal(docker('exec', web, 'id', '-u'), '1000');
    assert.equal(docker('ps', '-aq', '--filter', `label=berth.app=${app}`, '--filter', 'label=berth.role=build'), '');
    assert.ok(volumeExists(app), 'the app has a labelled cache volume');

    await commitFile(repo, 'server.js', (await import('node:fs')).readFileSync(path.join(repo, 'server.js'), 'utf8')
      .replace("'Hello from Node.js on Berth!'", "'Hello from Node.js on Berth! (v2)'"));
    const t1 = performance.now();
    const again = await push(repo, berth.remote(app));
    const warmMs = performance.now() - t1;
    assert.equal(again.code, 0, again.output);
    assert.match(again.output, /remote: -----> Restoring dependencies from the cache/);
    assert.match(again.output, /remote: {8}Cache hit: package-lock\.json is unchanged since the last build/);
    assert.match(again.output, /remote: {8}Using Node\.js 24\.\d+\.\d+ and npm \S+ from the cache/);
    assert.doesNotMatch(again.output, /Installing dependencies|Downloading/);
    assert.match((await get(app)).body, /^Hello from Node\.js on Berth! \(v2\) \(up /);
    assert.ok(warmMs < coldMs, `the cached push (${warmMs.toFixed(0)} ms) is faster than the first (${coldMs.toFixed(0)} ms)`);
  });

  test('a dependency missing from npm rejects the push with npm\'s error and a hint; the previous release keeps serving', async () => {
    const { app, repo } = node;
    const pkg = JSON.parse((await import('node:fs')).readFileSync(path.join(repo, 'package.json'), 'utf8'));
    pkg.dependencies['berth-no-such-package-7d3c1e'] = '1.0.0';
    git(repo, 'rm', '-q', 'package-lock.json');
    await commitFile(repo, 'package.json', `${JSON.stringify(pkg, null, 2)}\n`);
    const res = await push(repo, berth.remote(app));
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /remote: {8}npm error (code E404|404 )/);
    assert.match(res.output, /berth-no-such-package-7d3c1e/);
    assert.match(res.output, /remote: {2}! {5}npm install could not install the dependencies \(the error from npm is above\)/);
    assert.match(res.output, /remote: {2}! {5}check that every dependency in package\.json exists on https:\/\/registry\.npmjs\.org/);
    assert.match(res.output, /Deploy failed \(buildpack_compile_failed\)/);
    assert.match(res.output, /pre-receive hook declined/);
    assert.match((await get(app)).body, /\(v2\)/);
  });

  let unpinned: { app: string; repo: string };

  test('a Node.js app with no engines.node gets the current LTS, whose runtime boots on the run stack', async () => {
    const { app, repo, res } = await pushSample('node-hello', async (r) => {
      const pkg = JSON.parse((await import('node:fs')).readFileSync(path.join(r, 'package.json'), 'utf8'));
      delete pkg.engines;
      await commitFile(r, 'package.json', `${JSON.stringify(pkg, null, 2)}\n`);
    });
    unpinned = { app, repo };
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /remote: -----> Installing Node\.js \(engines\.node: unset, so the current LTS\)/);
    const major = Number(/Node\.js (\d+)\.\d+\.\d+ with npm/.exec(res.output)?.[1]);
    assert.ok(major >= 24, `the current LTS, not an old line (got ${major})`);
    assert.match(res.output, /remote: {8}Shared libraries: all \d+ ELF file\(s\) find theirs on berth\/stack:bookworm/);
    // The app answers, on the Node.js the build chose (node-hello's check expects its pin, 24.x).
    assert.match((await get(app)).body, /^Hello from Node\.js on Berth! \(up /);
    assert.equal((await get(app, '/version')).body.trim(), `v${/Node\.js (\d+\.\d+\.\d+) with npm/.exec(res.output)?.[1]}`);
  });

  test('a binary in the slug that needs a library the run stack lacks fails the build, naming both; the previous release keeps serving', async () => {
    const { app, repo } = unpinned;
    // A native helper built against the build stack's libquadmath (gcc's), which the run stack does not carry.
    await writeFile(path.join(repo, 'probe.c'), '#include <quadmath.h>\nint main(void) { return sqrtq(4.0Q) == 2.0Q ? 0 : 1; }\n');
    const pkg = JSON.parse((await import('node:fs')).readFileSync(path.join(repo, 'package.json'), 'utf8'));
    pkg.scripts['heroku-postbuild'] = 'mkdir -p bin && cc -o bin/probe probe.c -lquadmath && bin/probe';
    git(repo, 'add', 'probe.c');
    await commitFile(repo, 'package.json', `${JSON.stringify(pkg, null, 2)}\n`);
    const res = await push(repo, berth.remote(app));
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /remote: {2}! {5}\/app\/bin\/probe needs libquadmath\.so\.0, which berth\/stack:bookworm does not have/);
    assert.match(res.output, /remote: {2}! {5}.*pin an older version that works \(engines\.node in package\.json/);
    assert.match(res.output, /Deploy failed \(slug_library_missing\)/);
    assert.match(res.output, /pre-receive hook declined/);
    assert.match((await get(app)).body, /^Hello from Node\.js on Berth!/);
    assert.equal(labelledContainers(app, false).length, 1, 'only the v1 container runs');
  });

  for (const sample of ['python-hello', 'go-hello', 'static-site']) {
    test(`${sample} deploys and passes its check`, async () => {
      const { app, res } = await pushSample(sample);
      assert.equal(res.code, 0, res.output);
      assert.match(res.output, /remote: -----> (Python|Go|Static site) app detected/);
      assert.match(check(sample, app), /^ok:/);
    });
  }

  test('procfile-worker runs web and worker from the Procfile; only web is routed; SIGTERM reaches the process', async () => {
    const { app, res } = await pushSample('procfile-worker');
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /remote: -----> Procfile app detected/);
    assert.match(res.output, /remote: -----> Launching v1 \(web=1 worker=1\)/);
    assert.match(check('procfile-worker', app), /^ok:/);
    const worker = docker('ps', '-q', '--filter', `label=berth.app=${app}`, '--filter', 'label=berth.process=worker');
    assert.ok(worker, 'a worker container runs');
    assert.equal(docker('inspect', '-f', '{{json .NetworkSettings.Ports}}', worker), '{}');
    for (let i = 0; i < 50 && !docker('logs', worker).includes('worker tick'); i++) await sleep(100);
    assert.match(docker('logs', worker), /worker tick 1/);
    // Stopping reaches the process itself, not only the `sh -c` around it.
    docker('stop', '-t', '5', worker);
    // The log driver may copy the last line a moment after the exit.
    for (let i = 0; i < 30 && !docker('logs', worker).includes('worker stopping'); i++) await sleep(100);
    assert.match(docker('logs', worker), /worker stopping/);
  });

  test('.buildpacks runs the buildpacks it names, in sequence; apps:destroy removes the cache volume', async () => {
    const { app, res } = await pushSample('python-hello', async (repo) => commitFile(repo, '.buildpacks', 'heroku/python\nprocfile\n'));
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /remote: -----> Buildpacks from \.buildpacks: python, procfile\s+remote: -----> Python app detected\s+remote: -----> Procfile app detected/);
    assert.match(check('python-hello', app), /^ok:/);
    assert.ok(volumeExists(app));
    const destroyed = await api(berth.apiPort, berth.token, 'DELETE', `/apps/${app}?confirm=${app}`);
    assert.equal(destroyed.status, 200, JSON.stringify(destroyed.body));
    assert.equal(volumeExists(app), false, 'the cache volume went with the app');
  });

  test("a Dokku app's .env BUILDPACK_URL naming a buildpack Berth has built in deploys with that one, and the push says so", async () => {
    // As Dokku's tests/apps/static: an index.html and `export BUILDPACK_URL=` nginx's buildpack.
    const { app, res } = await pushSample('static-site', async (repo) => commitFile(repo, '.env', 'export BUILDPACK_URL=https://github.com/progrium/buildpack-nginx\n'));
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /remote: -----> Buildpacks from BUILDPACK_URL in \.env: static\s+remote: {8}https:\/\/github\.com\/progrium\/buildpack-nginx: the built-in static buildpack stands in for it/);
    assert.match(check('static-site', app), /^ok:/);
  });

  test('no buildpack detected: the push says what was looked for and lists the root files', async () => {
    const app = appName();
    apps.push(app);
    const repo = await mkdtemp(path.join(os.tmpdir(), 'berth-nobp-'));
    repos.push(repo);
    await writeFile(path.join(repo, 'README.md'), 'Nothing to build here.\n');
    await writeFile(path.join(repo, 'notes.txt'), 'todo\n');
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'docs only');
    const res = await push(repo, berth.remote(app));
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /remote: {2}! {5}no buildpack recognised this app: looked for a Dockerfile, package\.json \(nodejs\), requirements\.txt, pyproject\.toml or Pipfile \(python\), go\.mod \(go\), index\.html or static\.json \(static\), Procfile \(procfile\)/);
    assert.match(res.output, /remote: {2}! {5}files at the repo root: README\.md notes\.txt\. Add one of those files/);
    assert.match(res.output, /Deploy failed \(no_buildpack_detected\)/);
  });

  test('a malformed Procfile fails the push naming the line', async () => {
    const { res } = await pushSample('python-hello', (repo) => commitFile(repo, 'Procfile', 'web: python app.py\nworker python worker.py\n'));
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /remote: {2}! {5}Procfile line 2 is not "type: command": "worker python worker\.py"/);
    assert.match(res.output, /remote: {2}! {5}each line must look like "web: node server\.js"/);
  });
});
