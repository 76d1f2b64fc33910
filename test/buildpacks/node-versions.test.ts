// Node.js and npm versions a Heroku user can trust: ranges resolved by node's
// semver package (lib/resolve.cjs on the build stack's Node.js), and npm
// paired with the npm line that Node.js shipped with (lib/npm-shipped.txt),
// from Node.js 4 to today's. Old pins build and run for real: each compiles a
// no-lockfile app (or an npm 6 lockfile) and runs it on the run stack.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compile, fixture, inBuildStack, onRunStack, workspace, type Workspace } from './harness.js';

const pkgVersions = (versions: Record<string, object>) => ({
  'dist-tags': { latest: Object.keys(versions).at(-1) },
  versions: Object.fromEntries(Object.entries(versions).map(([v, extra]) => [v, {
    ...extra, dist: { integrity: `sha512-${v}`, tarball: `https://registry.example/x-${v}.tgz` },
  }])),
});

describe('nodejs buildpack: version resolution', () => {
  const spaces: Workspace[] = [];
  const ws = async (source: string) => { const w = await workspace(source); spaces.push(w); return w; };
  after(async () => { for (const w of spaces) await w.cleanup(); });

  test('resolve.cjs: ranges by node-semver, npm by the line each Node.js shipped with, engines-less npm never guessed', async () => {
    const w = await ws(fixture('node-legacy'));
    await writeFile(path.join(w.app, 'node.json'), JSON.stringify(pkgVersions({
      '4.2.5': {}, '4.2.6-rc.1': {}, '4.9.1': {}, '18.0.0': {}, '18.20.8': {}, '22.3.0': {}, '30.1.0': {},
    })));
    // The shape of the real npm packument: old releases declare no engines.
    await writeFile(path.join(w.app, 'npm.json'), JSON.stringify(pkgVersions({
      '2.15.12': {}, '3.10.10': {}, '6.13.7': {}, '6.14.18': { engines: { node: '6 >=6.2.0 || 8 || >=9.3.0' } },
      '9.9.4': { engines: { node: '^14.17.0 || ^16.13.0 || >=18.0.0' } }, '10.9.9': { engines: { node: '^18.17.0 || >=20.5.0' } },
      '12.0.0-pre.1': {}, '11.2.0': { engines: { node: '^20.17.0 || >=22.9.0' } },
    })));
    const table = '/bp/nodejs/lib/npm-shipped.txt';
    const cases: [string[], string, string][] = [
      [['node', '/app/node.json', '4.2.x'], '4.2.5', 'a prerelease never matches a plain range'],
      [['node', '/app/node.json', '>=4 <5'], '4.9.1', ''],
      [['node', '/app/node.json', '^18.0.0 || 22'], '22.3.0', ''],
      [['node', '/app/node.json', 'foo bar'], 'error: "foo bar" is not a valid semver range for engines.node', ''],
      [['node', '/app/node.json', '99.x'], 'error: no Node.js version matches "99.x"', ''],
      [['tool', '/app/npm.json', '', '4.2.5', table], '2.15.12', 'Node.js 4 shipped npm 2, not npm 6.13.7 (no engines)'],
      [['tool', '/app/npm.json', '', '18.0.0', table], '9.9.4', 'npm 10 declares ^18.17.0'],
      [['tool', '/app/npm.json', '', '18.20.8', table], '10.9.9', ''],
      [['tool', '/app/npm.json', '', '22.3.0', table], '10.9.9', 'Node.js 22 shipped npm 10, even where npm 11 would run'],
      [['tool', '/app/npm.json', '', '30.1.0', table], '11.2.0', 'a line newer than the table: the newest npm that declares it'],
      [['tool', '/app/npm.json', '6.x', '4.2.5', table], '6.14.18', 'engines.npm wins, as the user asked'],
      [['tool', '/app/npm.json', '', '4.2.5'], 'error: no release runs on Node.js 4.2.5', 'without the table, no engines means no'],
      [['pair', '/app/node.json', '4.x', '/app/npm.json', '', table], '4.9.1 2.15.12', 'both at once'],
      [['pair', '/app/node.json', '4.x', '/app/npm.json', '99', table], 'exit 2: no version matches "99"', 'the npm half fails apart'],
    ];
    // One container for every case: a container start costs more than all the resolving.
    const script = cases.map(([args]) => `node /bp/nodejs/lib/resolve.cjs ${args.map((a) => `'${a}'`).join(' ')} > /tmp/o 2>&1; `
      + 'rc=$?; if [ $rc = 0 ]; then cut -d" " -f1 /tmp/o | paste -sd" "; elif [ $rc = 2 ]; then echo "exit 2: $(cat /tmp/o)"; else echo "error: $(cat /tmp/o)"; fi').join('\n');
    const run = inBuildStack(w, ['bash', '-c', script]);
    assert.equal(run.code, 0, run.output);
    const got = run.output.trim().split('\n');
    cases.forEach(([args, want, why], i) => assert.equal(got[i], want, `${args.join(' ')}: ${why}`));
  });

  // [engines.node, major of the npm it must get, with an npm 6 lockfile (npm ci)]
  const pins: [string, number, boolean][] = [['4.x', 2, false], ['10.x', 6, true], ['18.x', 10, false], ['22.x', 10, false]];
  for (const [range, npmMajor, lockfile] of pins) {
    test(`engines.node ${range}: paired with npm ${npmMajor}, installs${lockfile ? ' with npm ci' : ''}, prunes, and runs`, async () => {
      const w = await ws(fixture('node-legacy'));
      const pkg = path.join(w.app, 'package.json');
      await writeFile(pkg, (await readFile(pkg, 'utf8')).replace('set-by-the-test', range));
      if (lockfile) await writeFile(path.join(w.app, 'package-lock.json'), NPM6_LOCK);
      const r = compile(w, 'nodejs');
      assert.equal(r.code, 0, r.output);
      const ready = /Node\.js (\d+)\.\d+\.\d+ with npm (\d+)\.\d+\.\d+ is ready/.exec(r.output);
      assert.ok(ready, r.output);
      assert.equal(ready[1], range.split('.')[0]!);
      assert.equal(Number(ready[2]), npmMajor, r.output);
      assert.match(r.output, lockfile ? /Installing dependencies with npm/ : /no package-lock\.json/);
      assert.ok(existsSync(path.join(w.app, 'node_modules/ms')));
      assert.ok(!existsSync(path.join(w.app, 'node_modules/escape-html')), 'the devDependency is pruned');
      const ran = onRunStack(w, 'npm start --silent && npm --version');
      assert.equal(ran.code, 0, ran.output);
      assert.match(ran.output, new RegExp(`^node v${range.split('.')[0]}\\.\\d+\\.\\d+ ms 1m\\n${npmMajor}\\.`), ran.output);
    });
  }
});

// What npm 6 writes for this package.json (lockfileVersion 1).
const NPM6_LOCK = `${JSON.stringify({
  name: 'node-legacy', version: '1.0.0', lockfileVersion: 1, requires: true,
  dependencies: {
    'escape-html': { version: '1.0.3', resolved: 'https://registry.npmjs.org/escape-html/-/escape-html-1.0.3.tgz',
      integrity: 'sha512-NiSupZ4OeuGwr68lGIeym/ksIZMJodUGOSCZ/FSnTxcrekbvqrgdUxlJOMpijaKZVjAJrWrGs/6Jy8OMuyj9ow==', dev: true },
    ms: { version: '2.1.3', resolved: 'https://registry.npmjs.org/ms/-/ms-2.1.3.tgz',
      integrity: 'sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==' },
  },
}, null, 2)}\n`;
