// app.json as Dokku reads it (comments, trailing commas), strict inside the
// sections Berth reads, lenient everywhere else. The push path of each case
// is covered end to end in test/e2e/app-json.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkManifestTypes, parseAppJson } from '../../src/shared/app-json.js';
import { BerthError } from '../../src/shared/errors.js';

const refused = (re: RegExp) => (e: unknown) => e instanceof BerthError && e.code === 'invalid_app_json' && e.status === 400 && re.test(e.message);

test('comments and trailing commas are read as Dokku (hujson) reads them', () => {
  const m = parseAppJson(`{
    // a line comment
    "scripts": { "dokku": {
      /* a block
         comment */
      "predeploy": "touch /app/pre", // trailing
      "postdeploy": "echo done",
    }},
    "formation": { "web": { "quantity": 2, }, },
  }`);
  assert.deepEqual(m.scripts, { predeploy: 'touch /app/pre', postdeploy: 'echo done' });
  assert.deepEqual(m.formation, { web: 2 });
  // `//` and `/*` inside a string are text, not comments.
  const url = parseAppJson('{"scripts": {"dokku": {"postdeploy": "curl https://hooks.example/x /* y */"}}} // done');
  assert.equal(url.scripts.postdeploy, 'curl https://hooks.example/x /* y */');
});

test('syntax errors name the line and column', () => {
  assert.throws(() => parseAppJson('{\n  "formation": {\n    "web": { "quantity": 1 }\n  \n'), refused(/not valid JSON: .* at line \d+, column \d+/));
  assert.throws(() => parseAppJson('{ "a": 1 } extra'), refused(/not valid JSON/));
  assert.throws(() => parseAppJson(''), refused(/not valid JSON/));
  assert.throws(() => parseAppJson('[]'), refused(/top level must be an object, not a list/));
});

test('a Heroku app.json with keys Berth does not use is accepted, with nothing to warn about', () => {
  const m = parseAppJson(JSON.stringify({
    name: 'x', description: 'y', keywords: ['a'], website: 'w', repository: 'r', logo: 'l', success_url: '/',
    env: { SECRET: { description: 'd', generator: 'secret' }, PLAIN: 'v' }, addons: ['heroku-postgresql'],
    buildpacks: [{ url: 'heroku/nodejs' }], image: 'heroku/nodejs', stack: 'heroku-24', environments: { test: {} },
    cron: [{ command: 'echo', schedule: '* * * * *' }],
    formation: { web: { quantity: 1, size: 'standard-1x' } },
  }));
  assert.deepEqual(m.formation, { web: 1 });
  assert.deepEqual(m.warnings, []);
});

test('healthchecks: an array, a non-object check, a typo in a key are refused', () => {
  assert.throws(() => parseAppJson('{"healthchecks": [{"path": "/"}]}'), refused(/healthchecks must be an object .* not a list/));
  assert.throws(() => parseAppJson('{"healthchecks": {"web": {"path": "/"}}}'), refused(/healthchecks\.web must be a list/));
  assert.throws(() => parseAppJson('{"healthchecks": {"web": ["/"]}}'), refused(/healthchecks\.web\[0\] must be an object/));
  assert.throws(() => parseAppJson('{"healthchecks": {"web": [{"pth": "/"}]}}'), refused(/healthchecks\.web\[0\] has an unknown key "pth"; the keys there are: path, /));
  assert.throws(() => parseAppJson('{"healthchecks": {"web": [{"type": "boot"}]}}'), refused(/type must be one of startup, liveness, readiness/));
  assert.throws(() => parseAppJson('{"healthchecks": {"web": [{"attempts": 2.5}]}}'), refused(/attempts must be a whole number/));
});

test('healthchecks: Dokku keys Berth does not run are warnings; command checks are skipped', () => {
  const m = parseAppJson(JSON.stringify({ healthchecks: { web: [
    { type: 'startup', name: 'check-1', path: '/', content: 'ok', attempts: 2, timeout: 5, wait: 2, uptime: 3 },
    { type: 'liveness', command: ['true'] },
  ] } }));
  assert.deepEqual(m.healthchecks.web, [{ path: '/', content: 'ok', attempts: 2, timeoutSec: 5, waitSec: 2 }]);
  assert.equal(m.warnings.length, 3, m.warnings.join('\n'));
  assert.match(m.warnings[0]!, /healthchecks\.web\[0\]\.uptime is not supported by Berth; ignored/);
  assert.match(m.warnings.join('\n'), /healthchecks\.web\[1\] is a command check, which Berth does not run; skipped/);
});

test('formation: shape and key typos refused; quantity defaults as on Dokku', () => {
  assert.throws(() => parseAppJson('{"formation": [{"web": 1}]}'), refused(/formation must be an object/));
  assert.throws(() => parseAppJson('{"formation": {"web": 2}}'), refused(/formation\.web must be an object/));
  assert.throws(() => parseAppJson('{"formation": {"web": {"quanity": 2}}}'), refused(/formation\.web has an unknown key "quanity"/));
  assert.throws(() => parseAppJson('{"formation": {"web": {"quantity": -1}}}'), refused(/quantity must be a whole number from 0 to 100/));
  assert.deepEqual(parseAppJson('{"formation": {"web": {}, "worker": {}}}').formation, { web: 1, worker: 0 });
});

test('scripts: strings only, no unknown keys; Heroku-only scripts are warnings', () => {
  assert.throws(() => parseAppJson('{"scripts": {"dokku": {"predeploy": ["touch", "x"]}}}'), refused(/scripts\.dokku\.predeploy must be a shell command/));
  assert.throws(() => parseAppJson('{"scripts": {"dokku": {"pre-deploy": "x"}}}'), refused(/scripts\.dokku has an unknown key "pre-deploy"; the keys there are: predeploy, postdeploy/));
  assert.throws(() => parseAppJson('{"scripts": {"dokku": "x"}}'), refused(/scripts\.dokku must be an object/));
  assert.throws(() => parseAppJson('{"scripts": {"predeploy": "x"}}'), refused(/scripts has an unknown key "predeploy"/));
  const m = parseAppJson('{"scripts": {"postdeploy": "seed", "test": "npm test"}}');
  assert.deepEqual(m.scripts, {});
  assert.equal(m.warnings.length, 2);
  assert.match(m.warnings[0]!, /scripts\.postdeploy is run by Heroku .* not by Berth/);
});

test('process types: formation and healthchecks must name one the app has', () => {
  const m = parseAppJson('{"formation": {"web": {"quantity": 1}, "wroker": {"quantity": 1}}}');
  assert.throws(() => checkManifestTypes(m, ['web', 'worker', 'release'], 'the Procfile'),
    refused(/formation\.wroker: the app has no process type "wroker"; its process types are: web, worker \(from the Procfile\)/));
  assert.doesNotThrow(() => checkManifestTypes(parseAppJson('{"formation": {"worker": {}}}'), ['web', 'worker'], 'x'));
  assert.throws(() => checkManifestTypes(parseAppJson('{"healthchecks": {"wbe": []}}'), ['web'], "the Dockerfile's CMD"),
    refused(/healthchecks\.wbe: .*its process types are: web \(from the Dockerfile's CMD\)/));
  assert.throws(() => checkManifestTypes(parseAppJson('{"formation": {"release": {"quantity": 1}}}'), ['web', 'release'], 'p'),
    refused(/formation\.release: "release" is the release phase/));
});
