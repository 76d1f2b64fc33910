// TLS private keys at rest (issue 19): a certificate added with certs:add
// and the router's fallback pair are sealed in Redis, and the router (a
// process of its own) still serves both; a certificate and a fallback pair
// an older Berth stored in clear are sealed at the next start; and
// secrets:rotate-key moves them to the new key. After each step, every
// value under the test's Redis prefix is read back and holds no private key.
// (ACME-issued keys: test/router/acme.test.ts.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Redis } from 'ioredis';
import { freePort, startBerth, type Berth } from '../helpers/berth.js';
import { api } from '../helpers/api.js';
import { dumpPrefix } from '../helpers/redis.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-tls-rest-'));

/** A self-signed certificate and key for `name`, made with openssl. */
function makeCert(name: string): { cert: string; key: string } {
  const base = path.join(dir, name);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30',
    '-keyout', `${base}.key`, '-out', `${base}.crt`, '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`], { stdio: 'ignore' });
  return { cert: readFileSync(`${base}.crt`, 'utf8'), key: readFileSync(`${base}.key`, 'utf8') };
}

/** The names on the certificate the router serves for `servername`. */
function servedNames(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const peer = s.getPeerCertificate();
      resolve(`${peer.subject?.CN ?? ''} ${peer.subjectaltname ?? ''}`);
      s.destroy();
    });
    s.setTimeout(10_000, () => s.destroy(new Error('TLS handshake timed out')));
    s.on('error', reject);
  });
}

describe('TLS private keys are sealed at rest', () => {
  let berth: Berth;
  let redis: Redis;
  let tlsPort: number;
  const app = `t-${randomBytes(4).toString('hex')}`;
  const legacyApp = `t-${randomBytes(4).toString('hex')}`;
  const host = (a: string) => `${a}.localhost`;
  const admin = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);
  const prefix = () => berth.env.BERTH_REDIS_PREFIX!;
  const connect = () => new Redis({ path: path.join(berth.dataDir, 'redis', 'redis.sock'), lazyConnect: false, maxRetriesPerRequest: 1 });
  /** What a Redis dump holds: no private key in it. */
  async function assertNoKeyInClear(): Promise<string> {
    const dump = await dumpPrefix(redis, prefix());
    const leaks = dump.split('\n').filter((l) => l.includes('PRIVATE KEY')).map((l) => l.split(' ')[0]);
    assert.deepEqual(leaks, [], 'private keys in Redis in clear');
    return dump;
  }
  /** The router may take a moment to hear of a change over pub/sub. */
  async function eventuallyServed(name: string, expect: RegExp): Promise<void> {
    let last = '';
    for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      last = await servedNames(tlsPort, name).catch((e: Error) => e.message);
      if (expect.test(last)) return;
    }
    assert.match(last, expect);
  }

  before(async () => {
    tlsPort = await freePort();
    berth = await startBerth({ BERTH_ROUTER_TLS_PORT: String(tlsPort) });
    redis = connect();
    for (const a of [app, legacyApp]) assert.equal((await admin('POST', '/apps', { name: a })).status, 201);
  });
  after(async () => {
    redis?.disconnect();
    await berth?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('certs:add and the fallback pair: sealed in Redis, served by the router', async () => {
    const added = await admin('PUT', `/apps/${app}/certs`, makeCert(host(app)));
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const dump = await assertNoKeyInClear();
    assert.match(dump, /:certs \{.*enc:v1:/);
    assert.match(dump, /tls:secret:fallback:localhost "enc:v1:/);
    await eventuallyServed(host(app), new RegExp(`DNS:${host(app)}`));
    // A name with no certificate of its own gets the fallback pair, which the router could unseal.
    assert.match(await servedNames(tlsPort, 'nobody.localhost'), /Berth self-signed|localhost/);
  });

  test('a certificate and a fallback pair stored in clear by an older Berth are sealed at the next start', async () => {
    const legacy = makeCert(host(legacyApp));
    const id = `${legacyApp}:legacy`;
    const facts = { hostnames: [host(legacyApp)], notAfter: Date.now() + 86_400_000 * 30, source: 'manual' };
    await redis.hset(`${prefix()}certs`, id, JSON.stringify({ id, app: legacyApp, ...legacy, ...facts }));
    const fallback = makeCert('localhost');
    await redis.set(`${prefix()}tls:secret:fallback:localhost`, JSON.stringify(fallback));
    assert.match(await dumpPrefix(redis, prefix()), /PRIVATE KEY/, 'control: the dump finds a key in clear');
    redis.disconnect();
    await berth.stop();
    await berth.start();
    redis = connect();
    assert.match(berth.output(), /encrypted 2 config value\(s\) stored in clear by an older Berth \(TLS private keys included\)/);
    await assertNoKeyInClear();
    await eventuallyServed(host(legacyApp), new RegExp(`DNS:${host(legacyApp)}`));
    await eventuallyServed(host(app), new RegExp(`DNS:${host(app)}`));
  });

  test('secrets:rotate-key moves the sealed keys to the new key; TLS is still served', async () => {
    const rotated = await admin('POST', '/secrets/rotate-key');
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const dump = await assertNoKeyInClear();
    const ids = new Set([...dump.matchAll(/enc:v1:(k[0-9a-z]+):/g)].map((m) => m[1]));
    assert.deepEqual([...ids], [rotated.body.keyId], 'every sealed value is under the new key');
    assert.ok(rotated.body.values >= 3, `moved ${rotated.body.values}`);
    await eventuallyServed(host(app), new RegExp(`DNS:${host(app)}`));
    await eventuallyServed(host(legacyApp), new RegExp(`DNS:${host(legacyApp)}`));
  });
});
