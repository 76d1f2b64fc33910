// The per-app build cache volume against real Docker and Redis: created
// labelled on first use, cleared by builds:cache-clear, and never confused
// with a volume Berth did not make.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createDocker } from '../../src/docker/client.js';
import { cacheVolumeName, ensureCacheVolume, removeCacheVolume } from '../../src/docker/volumes.js';
import { buildsCacheClear } from '../../src/ops/builds/cache-clear.js';
import type { OpsDeps } from '../../src/ops/deps.js';
import { loadConfig } from '../../src/config/index.js';
import { parseAppName } from '../../src/shared/app-name.js';
import { createApp } from '../../src/store/apps.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

const docker = createDocker(loadConfig({}));
const volumeLabels = (name: string) => JSON.parse(execFileSync('docker', ['volume', 'inspect', name], { encoding: 'utf8' }))[0].Labels;
const volumeExists = (name: string) => execFileSync('docker', ['volume', 'ls', '-q', '--filter', `name=^${name}$`], { encoding: 'utf8' }).trim() === name;

describe('build cache volume', () => {
  let redis: TestRedis;
  const app = parseAppName(`bpvol-${randomBytes(3).toString('hex')}`);
  const foreign = `berth-cache-bpfrn-${randomBytes(3).toString('hex')}`;
  before(async () => { redis = await startTestRedis(); });
  after(async () => {
    await redis?.stop();
    for (const v of [cacheVolumeName(app), foreign]) execFileSync('docker', ['volume', 'rm', '-f', v], { stdio: 'ignore' });
  });

  test('created on first use with the app\'s labels, and reused', async () => {
    const name = await ensureCacheVolume(docker, app);
    assert.equal(name, `berth-cache-${app}`);
    assert.equal(volumeLabels(name)['berth.app'], app);
    assert.equal(volumeLabels(name)['berth.role'], 'build');
    assert.equal(await ensureCacheVolume(docker, app), name);
  });

  test('builds:cache-clear removes it; clearing again reports nothing to clear', async () => {
    await createApp(redis.handle, app);
    await ensureCacheVolume(docker, app);
    const deps = { docker, redis: redis.handle, config: loadConfig({}) } as unknown as OpsDeps;
    assert.deepEqual(await buildsCacheClear({ app }, deps), { app, cleared: true });
    assert.equal(volumeExists(cacheVolumeName(app)), false);
    assert.deepEqual(await buildsCacheClear({ app }, deps), { app, cleared: false });
    await assert.rejects(buildsCacheClear({ app: 'no-such-app' }, deps), /does not exist/);
  });

  test('a same-named volume without Berth\'s labels is neither used nor removed', async () => {
    // Labelled so it is findable as this test's own, but without berth.app.
    execFileSync('docker', ['volume', 'create', '--label', 'berth-test.owner=buildpacks-cache-volume', foreign], { stdio: 'ignore' });
    const owner = foreign.slice('berth-cache-'.length);
    await assert.rejects(ensureCacheVolume(docker, owner), /was not made by Berth/);
    await assert.rejects(removeCacheVolume(docker, owner), /refusing to remove volume/);
    assert.equal(volumeExists(foreign), true);
  });
});
