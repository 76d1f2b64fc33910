// The swarm scheduler's pure parts: its settings, the in-container health
// probe, and the registry references (the multi-node suite, test/swarm, runs them for real).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../../src/config/index.js';
import { healthTest } from '../../src/runtime/swarm/health-test.js';
import { registryAuth, registryRef } from '../../src/docker/registry-push.js';

test('BERTH_SCHEDULER and BERTH_REGISTRY: defaults, values and clear errors', () => {
  const base = { BERTH_DATA_DIR: '/tmp/x' };
  assert.equal(loadConfig(base).scheduler, 'local');
  assert.equal(loadConfig(base).registry, undefined);
  assert.equal(loadConfig({ ...base, BERTH_SCHEDULER: 'Swarm' }).scheduler, 'swarm');
  assert.throws(() => loadConfig({ ...base, BERTH_SCHEDULER: 'k8s' }), /BERTH_SCHEDULER must be "local" or "swarm", got "k8s"/);
  assert.throws(() => loadConfig({ ...base, BERTH_REGISTRY: 'https://10.0.0.1:5000' }), /BERTH_REGISTRY must be host:port/);
  const reg = loadConfig({ ...base, BERTH_REGISTRY: '10.0.0.1:5000', BERTH_REGISTRY_USER: 'berth', BERTH_REGISTRY_PASSWORD: 'pw', BERTH_REGISTRY_INSECURE: '1' }).registry!;
  assert.deepEqual(reg, { address: '10.0.0.1:5000', username: 'berth', password: 'pw', caFile: undefined, insecure: true });
  assert.equal(registryRef(reg, 'berth/app-x:v3'), '10.0.0.1:5000/berth/app-x:v3');
  assert.equal(registryRef(reg, '10.0.0.1:5000/berth/app-x:v3'), '10.0.0.1:5000/berth/app-x:v3');
  assert.deepEqual(registryAuth(reg), { username: 'berth', password: 'pw', serveraddress: '10.0.0.1:5000' });
});

test('the health probe is valid shell, and a quote in an app.json path cannot break out', () => {
  for (const probe of [healthTest(5000), healthTest(5000, "/it's"), healthTest(8080, '/health')]) {
    execFileSync('sh', ['-n', '-c', probe]);
  }
  assert.match(healthTest(5000, "/it's"), /\/it%27s/);
  assert.match(healthTest(5000), /curl -sS -o \/dev\/null/); // any answer counts without a path
  assert.match(healthTest(5000, '/health'), /curl -sS -f /);
});
