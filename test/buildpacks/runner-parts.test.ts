// The Berth side of buildpack builds, piece by piece and without Docker:
// which buildpacks run, bin/release YAML, the tar reader and writer, the
// layers buildpacks hand over, how output lines are passed on, and the
// messages failures end with.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { DETECTION_ORDER, planBuildpacks } from '../../src/builders/buildpack/order.js';
import { mergeReleases, parseRelease } from '../../src/builders/buildpack/release-yaml.js';
import { readTarFiles, writeTar } from '../../src/builders/buildpack/tar.js';
import { parseLayers } from '../../src/builders/buildpack/slug.js';
import { buildpackLine } from '../../src/builders/buildpack/log-lines.js';
import { checkOutcome } from '../../src/builders/buildpack/outcome.js';
import { BerthError } from '../../src/shared/errors.js';

const dirs: string[] = [];
const tmp = async () => { const d = await mkdtemp(path.join(os.tmpdir(), 'berth-bp-unit-')); dirs.push(d); return d; };
after(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });
const rejectsWith = async (p: Promise<unknown>, code: string, re: RegExp) =>
  assert.rejects(p, (e: BerthError) => e.code === code && re.test(`${e.message} | ${e.hint}`));

describe('buildpack plan', () => {
  test('without instructions, every buildpack in the documented order', async () => {
    const plan = await planBuildpacks(await tmp(), {});
    assert.deepEqual(plan, { mode: 'detect', names: ['nodejs', 'python', 'go', 'static', 'procfile'] });
    assert.deepEqual(DETECTION_ORDER.map((b) => b.name), plan.names);
  });

  test('.buildpacks lists buildpacks to run in sequence; Heroku names work; comments are skipped', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, '.buildpacks'), '# front end first\nheroku/nodejs\n\nstatic  # then serve\n');
    assert.deepEqual(await planBuildpacks(dir, {}), { mode: 'explicit', names: ['nodejs', 'static'], source: '.buildpacks' });
  });

  test('the BUILDPACK config var wins over .buildpacks', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, '.buildpacks'), 'nodejs\n');
    const plan = await planBuildpacks(dir, { BUILDPACK: 'python, procfile' });
    assert.deepEqual(plan, { mode: 'explicit', names: ['python', 'procfile'], source: 'the BUILDPACK config var' });
  });

  test('an unknown buildpack or the URL of one is refused with the built-in names', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, '.buildpacks'), 'nodejs\nruby\n');
    await rejectsWith(planBuildpacks(dir, {}), 'unknown_buildpack', /\.buildpacks line 2 names the buildpack "ruby".*nodejs, python, go, static, procfile/);
    for (const url of ['https://github.com/heroku/heroku-buildpack-ruby.git', 'https://example.com/heroku/heroku-buildpack-nodejs.git', 'git@github.com:me/my-pack.git']) {
      await rejectsWith(planBuildpacks(dir, { BUILDPACK: url }), 'unknown_buildpack', /not fetched from URLs.*nodejs, python/);
    }
    await rejectsWith(planBuildpacks(dir, { BUILDPACK_URL: 'https://github.com/heroku/heroku-buildpack-php' }), 'unknown_buildpack',
      /the BUILDPACK_URL config var names the buildpack "https:\/\/github.com\/heroku\/heroku-buildpack-php"/);
  });

  test('the URL of a buildpack Berth has built in means that one, and the push says so', async () => {
    const cases: [string, string][] = [
      ['https://github.com/heroku/heroku-buildpack-nodejs.git', 'nodejs'],
      ['https://github.com/heroku/heroku-buildpack-python#v250', 'python'],
      ['git@github.com:heroku/heroku-buildpack-go.git', 'go'],
      ['https://github.com/progrium/buildpack-nginx', 'static'],
      ['https://github.com/dokku/buildpack-nginx.git/', 'static'],
      ['https://buildpack-registry.s3.amazonaws.com/buildpacks/heroku/python.tgz', 'python'],
    ];
    for (const [url, name] of cases) {
      const plan = await planBuildpacks(await tmp(), { BUILDPACK_URL: url });
      assert.deepEqual(plan.names, [name], url);
      assert.equal(plan.source, 'the BUILDPACK_URL config var');
      assert.deepEqual(plan.notes, [`${url}: the built-in ${name} buildpack stands in for it (buildpacks are not downloaded here)`]);
    }
  });

  test('BUILDPACK_URL: BUILDPACK wins over it; from a Dokku-style .env, it wins over .buildpacks', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, '.buildpacks'), 'nodejs\n');
    await writeFile(path.join(dir, '.env'), '# Dokku reads this\nexport FOO=bar\nexport BUILDPACK_URL="https://github.com/progrium/buildpack-nginx"\n');
    assert.deepEqual((await planBuildpacks(dir, {})).names, ['static']);
    assert.equal((await planBuildpacks(dir, {})).source, 'BUILDPACK_URL in .env');
    assert.deepEqual((await planBuildpacks(dir, { BUILDPACK_URL: 'heroku/python' })).names, ['python']);
    assert.deepEqual(await planBuildpacks(dir, { BUILDPACK: 'go', BUILDPACK_URL: 'heroku/python' }), { mode: 'explicit', names: ['go'], source: 'the BUILDPACK config var' });
    // A .env without BUILDPACK_URL leaves .buildpacks in charge; a URL's #ref there is not a comment.
    await writeFile(path.join(dir, '.env'), 'PORT=5000\n');
    await writeFile(path.join(dir, '.buildpacks'), 'https://github.com/heroku/heroku-buildpack-nodejs#v1 # pinned\n');
    assert.deepEqual((await planBuildpacks(dir, {})).names, ['nodejs']);
  });
});

describe('bin/release YAML', () => {
  test('failsafe: every value stays a string, as a command or an env value should', () => {
    const r = parseRelease('---\ndefault_process_types:\n  web: 1\n  worker: bin/work --queue yes\nconfig_vars:\n  DEBUG: no\n  WORKERS: 010\n', 'x');
    assert.deepEqual(r, { processTypes: { web: '1', worker: 'bin/work --queue yes' }, configVars: { DEBUG: 'no', WORKERS: '010' } });
  });

  test('empty output and {} mean no defaults; later buildpacks override earlier ones', () => {
    assert.deepEqual(parseRelease('', 'x'), { processTypes: {}, configVars: {} });
    assert.deepEqual(parseRelease('---\ndefault_process_types: {}\n', 'x').processTypes, {});
    const merged = mergeReleases([parseRelease('default_process_types: {web: a, worker: b}', 'one'), parseRelease('default_process_types: {web: c}', 'two')]);
    assert.deepEqual(merged.processTypes, { web: 'c', worker: 'b' });
  });

  test('malformed YAML or a wrong shape names the buildpack', () => {
    for (const text of ['default_process_types: [web]', 'default_process_types:\n  web: {nested: x}', ': : :\n  - [', '- a list']) {
      assert.throws(() => parseRelease(text, 'nodejs'), (e: BerthError) => e.code === 'buildpack_release_invalid' && /the nodejs buildpack's bin\/release/.test(e.message));
    }
    assert.throws(() => parseRelease('default_process_types: {"bad type": x}', 'go'), /invalid name "bad type"/);
  });
});

describe('tar', () => {
  test('what writeTar writes, GNU tar lists and reads back with owner, modes and long names', async () => {
    const long = `berth/buildpacks/${'deep/'.repeat(25)}file.sh`;
    const tar = writeTar([
      { name: 'berth', type: 'dir', mode: 0o755 },
      { name: 'berth/runner.sh', type: 'file', mode: 0o755, body: Buffer.from('#!/bin/sh\necho hi\n') },
      { name: long, type: 'file', mode: 0o644, body: Buffer.alloc(1000, 97) },
      { name: 'berth/link', type: 'symlink', mode: 0o777, linkname: 'runner.sh' },
    ], 1000, 1000);
    const dir = await tmp();
    await writeFile(path.join(dir, 'a.tar'), tar);
    const listing = execFileSync('tar', ['-tvf', path.join(dir, 'a.tar'), '--numeric-owner'], { encoding: 'utf8' });
    assert.match(listing, /^-rwxr-xr-x 1000\/1000 +18 .* berth\/runner\.sh$/m);
    assert.match(listing, /berth\/link -> runner\.sh/);
    assert.ok(listing.includes(long));
    const files = await readTarFiles(Readable.from([tar]));
    assert.equal(files.get('berth/runner.sh')?.toString(), '#!/bin/sh\necho hi\n');
    assert.equal(files.get(long)?.length, 1000);
  });

  test('readTarFiles reads GNU tar output with ./ names and long names', async () => {
    const dir = await tmp();
    const deep = path.join(dir, 'out', 'x'.repeat(120));
    await mkdir(deep, { recursive: true });
    await writeFile(path.join(dir, 'out', 'status'), 'ok\n');
    await writeFile(path.join(deep, 'f'), 'deep');
    const tar = execFileSync('tar', ['-c', '-C', path.join(dir, 'out'), '.']);
    const files = await readTarFiles(Readable.from([tar]));
    assert.equal(files.get('status')?.toString(), 'ok\n');
    assert.equal(files.get(`${'x'.repeat(120)}/f`)?.toString(), 'deep');
  });
});

describe('layers handed over by buildpacks', () => {
  test('DEST SRC KEY lines, DEST inside the app', () => {
    assert.deepEqual(parseLayers('.heroku/node /cache/nodejs/runtimes/x/node node@24:sha512-abc\n\n'),
      [{ dest: '.heroku/node', src: '/cache/nodejs/runtimes/x/node', key: 'node@24:sha512-abc' }]);
    for (const bad of ['../etc /cache/x k', '/abs /cache/x k', '.heroku/../.. /cache/x k', 'a relative/src k', 'a /cache/x', 'a /x k\na /y k']) {
      assert.throws(() => parseLayers(bad), (e: BerthError) => e.code === 'buildpack_layers_invalid', bad);
    }
  });
});

describe('buildpack output', () => {
  test('steps, errors and detail keep their meaning; tool output is indented', () => {
    const seen: string[] = [];
    const log = { step: (t: string) => seen.push(`step:${t}`), detail: (t: string) => seen.push(`detail:${t}`),
      error: (t: string) => seen.push(`error:${t}`), raw: (t: string) => seen.push(`raw:${t}`) };
    const line = buildpackLine(log);
    for (const l of ['-----> Node.js app detected', '       Using the cache', ' !     npm ci failed', 'npm error code E404', '', '   ']) line(l);
    assert.deepEqual(seen, ['step:Node.js app detected', 'raw:Using the cache', 'error:npm ci failed', 'raw:npm error code E404']);
  });
});

describe('failure messages', () => {
  const run = { exitCode: 0, timedOut: false, oomKilled: false };
  const base = { run, plan: { mode: 'detect' as const, names: ['nodejs'] }, timeoutMs: 900_000, memoryBytes: 2 ** 31 };

  test('no buildpack: what each looked for, and the files at the root', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, 'README.md'), 'hi');
    await mkdir(path.join(dir, 'docs'));
    await rejectsWith(checkOutcome({ ...base, status: 'no-buildpack', sourceDir: dir }), 'no_buildpack_detected',
      /looked for a Dockerfile, package\.json \(nodejs\), requirements\.txt, pyproject\.toml or Pipfile \(python\), go\.mod \(go\).*files at the repo root: README\.md docs\//);
  });

  test('compile failures, timeouts and the OOM killer each say what happened', async () => {
    const dir = await tmp();
    await rejectsWith(checkOutcome({ ...base, status: 'compile-failed nodejs 1', sourceDir: dir }), 'buildpack_compile_failed',
      /the nodejs buildpack could not build the app \(bin\/compile exited with status 1\)/);
    await rejectsWith(checkOutcome({ ...base, run: { ...run, timedOut: true, exitCode: 137 }, status: undefined, sourceDir: dir }), 'build_timeout',
      /longer than 900 s.*BERTH_BUILD_TIMEOUT_SEC/);
    await rejectsWith(checkOutcome({ ...base, run: { ...run, oomKilled: true, exitCode: 137 }, status: undefined, sourceDir: dir }), 'build_out_of_memory',
      /2048 MiB.*BERTH_BUILD_MEMORY_MB/);
    await rejectsWith(checkOutcome({ ...base, plan: { mode: 'explicit', names: ['go'], source: '.buildpacks' }, status: 'incompatible go', sourceDir: dir }),
      'buildpack_not_compatible', /the go buildpack, named by \.buildpacks, does not recognise this app: it looks for go\.mod/);
    await checkOutcome({ ...base, status: 'ok', sourceDir: dir });
  });
});
