// berth-test: exclusive (its grace-0 sweep removes every record-less build container on the engine, so another file's running build would go too)
// The build leftovers sweep against real Docker and Redis: build containers
// and build files go once their build is over (or has no record and is old),
// and never while it is queued or running.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { createDocker } from '../../src/docker/client.js';
import { buildContainerName } from '../../src/docker/build-container.js';
import { LABEL } from '../../src/docker/labels.js';
import { sweepBuildLeftovers } from '../../src/pipeline/sweep.js';
import { createBuild, newBuildId, updateBuild } from '../../src/store/builds.js';
import type { BuildStatus } from '../../src/shared/types.js';
import type { AppName } from '../../src/shared/app-name.js';
import { removeAppObjects } from '../helpers/docker.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const containerExists = (name: string) => docker('ps', '-a', '-q', '--filter', `name=^/${name}$`) !== '';

describe('build leftovers sweep', () => {
  let redis: TestRedis;
  let dataDir: string;
  const app = `t-${randomBytes(4).toString('hex')}` as AppName;
  before(async () => {
    redis = await startTestRedis();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'berth-sweep-'));
  });
  after(async () => {
    removeAppObjects([app]);
    await rm(dataDir, { recursive: true, force: true });
    await redis?.stop();
  });

  test('removes the containers and files of finished builds only', async () => {
    const config = loadConfig({ BERTH_DATA_DIR: dataDir });
    const builds = path.join(dataDir, 'builds');
    await mkdir(builds, { recursive: true });
    const ids: Record<string, string> = {};
    for (const status of ['queued', 'running', 'succeeded', 'failed', 'superseded', 'no record'] as const) {
      const id = newBuildId();
      ids[status] = id;
      if (status !== 'no record') {
        await createBuild(redis.handle, { id, app, rev: 'f'.repeat(40), ref: 'refs/heads/main' });
        if (status !== 'queued') await updateBuild(redis.handle, id, { status: status as BuildStatus });
      }
      // A created (not started) container is enough: the sweep goes by name and label.
      docker('create', '--name', buildContainerName(app, id), '--label', `${LABEL.app}=${app}`, '--label', `${LABEL.role}=build`,
        'berth/stack:bookworm', 'true');
      await mkdir(path.join(builds, id, 'src'), { recursive: true });
      await writeFile(path.join(builds, `${id}.tar`), 'tar');
    }
    const stuckUpload = path.join(builds, `incoming-${randomBytes(6).toString('hex')}.tar`);
    const liveUpload = path.join(builds, `incoming-${randomBytes(6).toString('hex')}.tar`);
    await writeFile(stuckUpload, 'half a tar');
    await writeFile(liveUpload, 'a tar being written');
    const anHourAgo = new Date(Date.now() - 3600_000);
    await utimes(stuckUpload, anHourAgo, anHourAgo);
    await writeFile(path.join(builds, 'notes.txt'), 'not ours to remove');

    const deps = { config, redis: redis.handle, docker: createDocker(config) };
    assert.deepEqual(await sweepBuildLeftovers(deps), { containers: 3, files: 7 });
    const kept = (id: string) => [containerExists(buildContainerName(app, id)), existsSync(path.join(builds, id)), existsSync(path.join(builds, `${id}.tar`))];
    for (const status of ['queued', 'running', 'no record']) assert.deepEqual(kept(ids[status]!), [true, true, true], `${status}: kept`);
    for (const status of ['succeeded', 'failed', 'superseded']) assert.deepEqual(kept(ids[status]!), [false, false, false], `${status}: removed`);
    assert.equal(existsSync(stuckUpload), false, 'an upload cut off an hour ago is removed');
    assert.equal(existsSync(liveUpload), true, 'an upload still being written stays');
    assert.equal(existsSync(path.join(builds, 'notes.txt')), true);

    // Without a record, a build's leftovers go once they are older than the grace period (by default, the build time limit plus a margin).
    assert.deepEqual(await sweepBuildLeftovers(deps, 0), { containers: 1, files: 3 });
    assert.deepEqual(kept(ids['no record']!), [false, false, false]);
    assert.deepEqual(kept(ids.running!), [true, true, true]);
  });
});
