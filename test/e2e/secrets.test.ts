// Config values at rest: encrypted in Redis (so neither the AOF nor an RDB
// dump holds one in clear), plaintext from an older Berth migrated at start,
// and secrets:rotate-key moves every value to a new key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { api } from '../helpers/api.js';

// Under 21 bytes, so Redis never LZF-compresses it in a dump: a plain search finds it.
const canary = () => `cv${randomBytes(9).toString('hex')}`;

describe('config vars encrypted at rest', () => {
  let berth: Berth;
  const app = `t-${randomBytes(4).toString('hex')}`;
  const admin = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);
  const sock = () => path.join(berth.dataDir, 'redis', 'redis.sock');
  const redis = (...args: string[]) => execFileSync('redis-cli', ['-s', sock(), ...args], { encoding: 'utf8' }).trim();
  const configKey = () => `${berth.env.BERTH_REDIS_PREFIX}app:${app}:config`;

  /** Everything Redis keeps on disk (the AOF dir), plus a fresh `redis-cli --rdb` dump. */
  async function diskAndDump(): Promise<string> {
    await sleep(1200); // appendfsync everysec
    const dir = path.join(berth.dataDir, 'redis', 'appendonlydir');
    const files = await readdir(dir);
    const aof = (await Promise.all(files.map((f) => readFile(path.join(dir, f), 'latin1')))).join('\n');
    const rdb = path.join(os.tmpdir(), `berth-secrets-${randomBytes(4).toString('hex')}.rdb`);
    execFileSync('redis-cli', ['-s', sock(), '--rdb', rdb], { stdio: 'ignore' });
    const dump = await readFile(rdb, 'latin1');
    await rm(rdb, { force: true });
    return `${aof}\n${dump}`;
  }

  before(async () => {
    berth = await startBerth();
    assert.equal((await admin('POST', '/apps', { name: app })).status, 201);
  });
  after(async () => { await berth?.destroy(); });

  test('a set value is stored encrypted: the API gives it back, the AOF and an RDB dump do not hold it', async () => {
    const value = canary();
    assert.equal((await admin('PUT', `/apps/${app}/config`, { vars: { DB_PASSWORD: value } })).status, 200);
    assert.equal((await admin('GET', `/apps/${app}/config/DB_PASSWORD`)).body.value, value);
    assert.match(redis('HGET', configKey(), 'DB_PASSWORD'), /^enc:v1:k[0-9a-z]+:/);
    assert.ok(!(await diskAndDump()).includes(value), 'the value is on disk in clear');
    const keyFile = path.join(berth.dataDir, 'secrets.key');
    assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
    assert.ok(!(await readFile(path.join(berth.dataDir, 'berth.log'), 'utf8').catch(() => '')).includes(value));
    assert.ok(!berth.output().includes(value), 'not in Berth\'s own log');
  });

  test('plaintext stored by an older Berth is encrypted at the next start, and leaves the AOF', async () => {
    const legacy = canary();
    redis('HSET', configKey(), 'LEGACY', legacy);
    assert.ok((await diskAndDump()).includes(legacy), 'control: a value in clear is found on disk');
    await berth.stop();
    await berth.start();
    assert.match(berth.output(), /encrypted 1 config value\(s\) stored in clear/);
    assert.equal((await admin('GET', `/apps/${app}/config/LEGACY`)).body.value, legacy, 'nothing stored is lost');
    assert.match(redis('HGET', configKey(), 'LEGACY'), /^enc:v1:/);
    assert.ok(!(await diskAndDump()).includes(legacy), 'the AOF was rewritten without it');
  });

  test('secrets:rotate-key re-encrypts every value under a new key and drops the old one', async () => {
    const before = redis('HGET', configKey(), 'DB_PASSWORD');
    const oldId = before.split(':')[2];
    const value = (await admin('GET', `/apps/${app}/config/DB_PASSWORD`)).body.value;
    const rotated = await admin('POST', '/secrets/rotate-key');
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.equal(rotated.body.values, 2);
    assert.notEqual(rotated.body.keyId, oldId);
    assert.ok(redis('HGET', configKey(), 'DB_PASSWORD').startsWith(`enc:v1:${rotated.body.keyId}:`));
    assert.equal((await admin('GET', `/apps/${app}/config/DB_PASSWORD`)).body.value, value);
    const ring = JSON.parse(await readFile(path.join(berth.dataDir, 'secrets.key'), 'utf8'));
    assert.deepEqual(Object.keys(ring.keys), [rotated.body.keyId]);
    const ev = (await admin('GET', '/events')).body.events.find((e: { action: string }) => e.action === 'secrets:rotate-key');
    assert.equal(ev?.result, 'ok');
  });

  test('a value moved to another var fails its integrity check instead of decrypting', async () => {
    redis('HSET', configKey(), 'MOVED', redis('HGET', configKey(), 'DB_PASSWORD'));
    const r = await admin('GET', `/apps/${app}/config`);
    assert.equal(r.status, 500);
    assert.ok(!JSON.stringify(r.body).includes('cv'), 'no value in the error');
    redis('HDEL', configKey(), 'MOVED');
  });
});
