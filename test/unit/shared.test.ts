// Unit tests of the domain words: app names, Procfiles, push output, config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAppName } from '../../src/shared/app-name.js';
import { parseProcfile, PROCFILE_LIMITS } from '../../src/shared/procfile.js';
import { cleanLine, detail, failure, step } from '../../src/shared/push-output.js';
import { BerthError } from '../../src/shared/errors.js';
import { loadConfig } from '../../src/config/index.js';

test('app names: valid ones pass, bad ones get a clear 400', () => {
  assert.equal(parseAppName('my-app2'), 'my-app2');
  assert.equal(parseAppName('a'), 'a');
  for (const bad of ['', 'My-App', '1app', 'a_b', 'a.b', 'app-', '../etc', 'a'.repeat(31), 'x y']) {
    assert.throws(() => parseAppName(bad), (e: unknown) => e instanceof BerthError && e.status === 400 && /app name/.test(e.message), bad);
  }
  assert.throws(() => parseAppName('api'), /reserved/);
  assert.throws(() => parseAppName(42), /required/);
});

test('Procfile: types and commands, comments and blanks skipped, bad lines named', () => {
  assert.deepEqual(parseProcfile('web: node server.js\n\n# comment\nworker:   python w.py --x=1\r\n'),
    { web: 'node server.js', worker: 'python w.py --x=1' });
  assert.throws(() => parseProcfile('web: ok\nthis is not a process\n'), /line 2/);
  assert.throws(() => parseProcfile('web: a\nweb: b\n'), /repeats the process type "web"/);
  assert.throws(() => parseProcfile('web:\n'), /line 1/);
});

test('Procfile: limits at their edges, a BOM, and object machinery names', () => {
  const { commandBytes, processTypes, fileBytes } = PROCFILE_LIMITS;
  assert.equal(parseProcfile(`web: ${'x'.repeat(commandBytes)}`).web?.length, commandBytes);
  assert.throws(() => parseProcfile(`web: ${'x'.repeat(commandBytes + 1)}`), /line 1: the command of "web" is 9 KiB, more than the limit of 8 KiB/);
  const types = (n: number) => Array.from({ length: n }, (_, i) => `p${i}: run`).join('\n');
  assert.equal(Object.keys(parseProcfile(types(processTypes))).length, processTypes);
  assert.throws(() => parseProcfile(types(processTypes + 1)), /line 51: more than 50 process types/);
  assert.throws(() => parseProcfile(`web: run\n${'#'.repeat(fileBytes)}`), /more than the limit of 64 KiB/);
  assert.deepEqual(parseProcfile('\uFEFFweb: run\n'), { web: 'run' });
  assert.throws(() => parseProcfile('constructor: run\n'), /"constructor" cannot be a process type name/);
  assert.throws(() => parseProcfile(`${'a'.repeat(64)}: run\n`), /longer than 63 characters/);
});

test('push output follows Heroku: arrows, indent, bang', () => {
  assert.equal(step('Building'), '-----> Building');
  assert.equal(detail('x'), '       x');
  assert.equal(failure('bad'), ' !     bad');
  assert.equal(cleanLine('\x1b[32mgreen\x1b[0m'), 'green');
  assert.equal(cleanLine('10%\r50%\r100%'), '100%');
});

test('config: defaults, parsing and refusal of nonsense', () => {
  const c = loadConfig({ BERTH_DATA_DIR: '/tmp/x' });
  assert.equal(c.domain, 'localhost');
  assert.equal(c.routerPort, 80);
  assert.equal(c.apiPort, 3000);
  assert.equal(c.redisUrl, undefined);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.build));
  assert.equal(loadConfig({ BERTH_DATA_DIR: '/tmp/x', BERTH_DOMAIN: 'Apps.Example.COM.' }).domain, 'apps.example.com');
  assert.throws(() => loadConfig({ BERTH_DATA_DIR: '/tmp/x', BERTH_API_PORT: 'eighty' }), /BERTH_API_PORT must be an integer/);
});
