// ACME end to end against pebble (Let's Encrypt's test CA) on loopback: the
// router answers HTTP-01 itself, stores the certificate, serves it by SNI,
// and a certificate close to expiry is renewed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import tls from 'node:tls';
import { loadConfig } from '../../src/config/index.js';
import { startRouter, type RunningRouter } from '../../src/router/index.js';
import { startAcme, type Acme } from '../../src/router/acme.js';
import { setRoute } from '../../src/store/routes.js';
import { addDomain } from '../../src/store/domains.js';
import { allCerts, getAcmeStatus, putCert, setAcmeStatus, setTlsSettings } from '../../src/store/certs.js';
import { startTestRedis, namedBackend, randomApp, freePort, type TestRedis, type Backend } from './helpers.js';
import { startPebble, type Pebble } from './pebble.js';
import { dumpPrefix } from '../helpers/redis.js';

const DOMAIN = 'berth.test';

let redis: TestRedis;
let router: RunningRouter;
let pebble: Pebble;
let acme: Acme;
let backend: Backend;

function peerOf(port: number, servername: string): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate());
      s.destroy();
    });
    s.on('error', reject);
  });
}

async function waitFor(app: string, state: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await getAcmeStatus(redis.handle, app);
    if (s?.state === state) return;
    if (s?.state === 'failed' || Date.now() > deadline) throw new Error(`acme for ${app}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  redis = await startTestRedis();
  const port = await freePort();
  pebble = await startPebble(port);
  router = await startRouter({ redis: redis.handle, domain: DOMAIN, port, host: '127.0.0.1', tlsPort: 0, upstreamTimeoutMs: 5000, log: () => {} });
  const config = loadConfig({
    BERTH_DOMAIN: DOMAIN, BERTH_DATA_DIR: '/nonexistent', BERTH_ACME_DIRECTORY: pebble.directoryUrl, BERTH_ACME_CA_FILE: pebble.caFile,
  });
  acme = startAcme(redis.handle, config, () => {});
  backend = await namedBackend('app');
});

after(async () => {
  acme?.close();
  await router?.close();
  await backend?.close();
  await pebble?.stop();
  await redis?.stop();
});

describe('ACME (pebble)', () => {
  test('certs:auto gets a certificate over HTTP-01 for <app>.<domain> and its domains, served by SNI', async () => {
    const app = randomApp();
    await setRoute(redis.handle, { app, upstreams: [backend.upstream], release: 'v1' });
    const custom = `www.${randomApp()}.example`;
    await addDomain(redis.handle, app, custom);
    await setAcmeStatus(redis.handle, app, { state: 'pending', at: Date.now() });
    await setTlsSettings(redis.handle, app, { auto: true });
    await waitFor(app, 'issued');
    const cert = (await allCerts(redis.handle)).find((c) => c.id === `acme:${app}`);
    assert.ok(cert, 'the certificate is stored');
    assert.deepEqual([...cert.hostnames].sort(), [`${app}.${DOMAIN}`, custom].sort());
    await router.syncedNames();
    for (const name of [`${app}.${DOMAIN}`, custom]) {
      const peer = await peerOf(router.tlsPort!, name);
      assert.match(String(peer.issuer.CN ?? ''), /Pebble/i, `${name} is served the CA-issued certificate`);
    }
    const body = await new Promise<string>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: router.tlsPort, servername: custom, headers: { host: custom }, rejectUnauthorized: false }, (res) => {
        let b = '';
        res.on('data', (d) => { b += d; });
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    assert.equal(body, 'app GET /');
    // At rest: the certificate's key, the ACME account key and the router's fallback pair are all sealed.
    const dump = await dumpPrefix(redis.handle.client, redis.handle.prefix);
    assert.match(dump, /tls:secret:fallback:/);
    assert.match(dump, /enc:v1:/);
    assert.ok(!dump.includes('PRIVATE KEY'), `a private key is in Redis in clear: ${dump.split('\n').filter((l) => l.includes('PRIVATE KEY')).map((l) => l.split(' ')[0]).join(', ')}`);
  });

  test('a certificate inside the renewal window is renewed by the periodic check', async () => {
    const app = randomApp();
    await setRoute(redis.handle, { app, upstreams: [backend.upstream], release: 'v1' });
    await setAcmeStatus(redis.handle, app, { state: 'pending', at: Date.now() });
    await setTlsSettings(redis.handle, app, { auto: true });
    await waitFor(app, 'issued');
    const first = (await allCerts(redis.handle)).find((c) => c.id === `acme:${app}`)!;
    // Pretend it expires in a day: well inside the 30-day window.
    await putCert(redis.handle, { ...first, notAfter: Date.now() + 86_400_000 });
    await acme.check();
    const renewed = (await allCerts(redis.handle)).find((c) => c.id === `acme:${app}`)!;
    assert.notEqual(renewed.cert, first.cert);
    assert.ok(renewed.notAfter > Date.now() + 7 * 86_400_000);
  });
});
