// Backing services' pure logic: service names (validated once at the edge),
// the kind registry, and which config var a link sets (DATABASE_URL for the
// first postgres, <NAME>_URL after; promote swaps them, as Dokku's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../../src/shared/errors.js';
import { parseServiceName } from '../../src/services/service-name.js';
import { kindOf, serviceKinds } from '../../src/services/registry.js';
import { envVarForLink, nameVar, promotePlan, type AppLink } from '../../src/services/link-env.js';

const images = { postgres: 'berth/service-postgres:15', redis: 'berth/service-redis:7' };
const refused = (fn: () => unknown, code: string, message: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof BerthError && err.code === code && err.status === 400 && message.test(err.message) && !!err.hint);

test('service names: the app-name shape, reserved words refused, each with a hint', () => {
  for (const ok of ['db', 'orders-db', 'a', 'x'.repeat(30), 'db2']) assert.equal(parseServiceName(ok), ok);
  for (const bad of ['', 'Db', '1db', 'db-', 'db_1', 'x'.repeat(31), 'db.1', '../x', 'db 1']) {
    if (bad === '') refused(() => parseServiceName(bad), 'invalid_service_name', /required/);
    else refused(() => parseServiceName(bad), 'invalid_service_name', /invalid service name/);
  }
  refused(() => parseServiceName(42), 'invalid_service_name', /required/);
  for (const word of ['postgres', 'redis', 'berth', 'api']) refused(() => parseServiceName(word), 'reserved_service_name', /reserved/);
});

test('the registry lists postgres then redis, each with its own var, port and data path', () => {
  assert.deepEqual(serviceKinds(images).map((k) => [k.kind, k.envVar, k.port]), [['postgres', 'DATABASE_URL', 5432], ['redis', 'REDIS_URL', 6379]]);
  refused(() => kindOf(images, 'mysql'), 'invalid_service_kind', /unknown service kind "mysql": use postgres or redis/);
  refused(() => kindOf(images, undefined), 'invalid_service_kind', /missing/);
  const pg = kindOf(images, 'postgres');
  assert.equal(pg.url('berth-svc-db', { password: 'p@ss/word' }), 'postgres://postgres:p%40ss%2Fword@berth-svc-db:5432/postgres');
  assert.equal(kindOf(images, 'redis').url('berth-svc-c', { password: 'abc' }), 'redis://:abc@berth-svc-c:6379');
  // The password reaches the container by its environment, never its command line.
  for (const k of serviceKinds(images)) assert.ok(!k.container({ password: 'sekrit' }).cmd.join(' ').includes('sekrit'), k.kind);
});

test('the first service of a kind gets the kind\'s var; later ones, or a var the user set, get <NAME>_URL', () => {
  assert.equal(nameVar('orders-db'), 'ORDERS_DB_URL');
  assert.equal(envVarForLink('DATABASE_URL', 'db', [], {}), 'DATABASE_URL');
  const links: AppLink[] = [{ service: 'db', kind: 'postgres', envVar: 'DATABASE_URL' }];
  assert.equal(envVarForLink('DATABASE_URL', 'db-2', links, {}), 'DB_2_URL');
  assert.equal(envVarForLink('REDIS_URL', 'cache', links, {}), 'REDIS_URL', 'another kind\'s link does not count');
  assert.equal(envVarForLink('DATABASE_URL', 'db', [], { DATABASE_URL: 'postgres://elsewhere' }), 'DB_URL', 'a var the user set is not replaced');
});

test('promote: the promoted service takes the kind\'s var, the one that held it keeps its <NAME>_URL', () => {
  const links: AppLink[] = [
    { service: 'blue', kind: 'postgres', envVar: 'DATABASE_URL' },
    { service: 'green', kind: 'postgres', envVar: 'GREEN_URL' },
  ];
  assert.deepEqual(promotePlan('DATABASE_URL', 'green', links), {
    moves: [{ service: 'green', envVar: 'DATABASE_URL' }, { service: 'blue', envVar: 'BLUE_URL' }],
    unset: ['GREEN_URL'],
  });
  assert.deepEqual(promotePlan('DATABASE_URL', 'blue', links), { moves: [], unset: [] }, 'already promoted: nothing to do');
  assert.deepEqual(promotePlan('DATABASE_URL', 'none', links), { moves: [], unset: [] });
  // No link held DATABASE_URL (the user's own var): the promoted one takes it.
  assert.deepEqual(promotePlan('DATABASE_URL', 'green', [links[1]!]), { moves: [{ service: 'green', envVar: 'DATABASE_URL' }], unset: ['GREEN_URL'] });
});
