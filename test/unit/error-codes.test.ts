// The one table of error codes (src/shared/error-codes.ts): an error's status
// and default hint come from it, every code in it is well formed, the
// OpenAPI document lists every code, and an app that does not exist reads
// the same from the API's lookup and the git adapters (one function).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../../src/api/openapi.js';
import { appNotFound } from '../../src/ops/app-lookup.js';
import { ERROR_CODES, isErrorCode } from '../../src/shared/error-codes.js';
import { asBerthError, BerthError, fail } from '../../src/shared/errors.js';
import { parseAppName } from '../../src/shared/app-name.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

test('every code is snake_case with a real 4xx or 5xx status; hints are sentences, not empty', () => {
  for (const [code, info] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^[a-z][a-z0-9_]*$/, code);
    assert.ok(Number.isInteger(info.status) && info.status >= 400 && info.status <= 599, `${code}: ${info.status}`);
    const hint = (info as { hint?: string }).hint;
    if (hint !== undefined) assert.ok(hint.trim().length > 5, `${code}: hint "${hint}"`);
  }
});

test('an error takes its status and default hint from the table; a given hint wins', () => {
  const e = fail('app_not_found', 'app "x" does not exist');
  assert.equal(e.status, 404);
  assert.equal(e.hint, ERROR_CODES.app_not_found.hint);
  assert.equal(e.expose, true);
  assert.equal(fail('app_not_found', 'm', 'do this').hint, 'do this');
  const internal = asBerthError(new Error('boom'));
  assert.equal(internal.code, 'internal');
  assert.equal(internal.status, 500);
  assert.equal(internal.expose, false);
  assert.equal(new BerthError('invalid_json', 'x').status, ERROR_CODES.invalid_json.status);
  assert.ok(isErrorCode('app_not_found') && !isErrorCode('no_such_code') && !isErrorCode('constructor'));
});

test('the OpenAPI document lists every code, with its status and hint', () => {
  const doc = openApiDocument([]) as { components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } }; 'x-berth-error-codes': unknown };
  assert.deepEqual(doc.components.schemas.Error.properties.error.properties.code.enum, Object.keys(ERROR_CODES).sort());
  assert.deepEqual(doc['x-berth-error-codes'], ERROR_CODES);
});

test('"app does not exist" is built in one place and used by the API lookup and both git adapters', () => {
  const e = appNotFound(parseAppName('gone'));
  assert.equal(e.code, 'app_not_found');
  assert.equal(e.message, 'app "gone" does not exist');
  const builders: string[] = [];
  const users: string[] = [];
  (function walk(dir: string) {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) { walk(p); continue; }
      if (!p.endsWith('.ts')) continue;
      const text = readFileSync(p, 'utf8');
      if (text.includes("'app_not_found', `")) builders.push(path.relative(SRC, p));
      if (/\bappNotFound\(/.test(text)) users.push(path.relative(SRC, p));
    }
  })(SRC);
  assert.deepEqual(builders, ['ops/app-lookup.ts']);
  for (const f of ['ops/deploy/receive.ts', 'git/receiver.ts', 'git/ssh-server.ts']) assert.ok(users.includes(f), `${f} uses appNotFound: ${users}`);
});
