// The edges of a push: oversized packs and a server that dies mid-build
// (its build is failed and what it left on disk is removed).
// berth-test: exclusive
// (its build memory cap is BuildKit's one cgroup for the whole engine: a
// server started by a file beside it sets its own cap, and this file's
// 256 MiB would cap the builds of the others.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, git, push, sampleRepo } from '../helpers/git.js';
import { removeAppObjects } from '../helpers/docker.js';

const appName = () => `t-${randomBytes(4).toString('hex')}`;

describe('push limits', () => {
  let berth: Berth;
  const apps: string[] = [];
  before(async () => {
    // The time limit leaves the memory test room to hit its limit on a loaded machine.
    berth = await startBerth({ BERTH_MAX_PUSH_MB: '1', BERTH_BUILD_MEMORY_MB: '256', BERTH_BUILD_CONCURRENCY: '1', BERTH_BUILD_TIMEOUT_SEC: '15' });
  });
  after(async () => {
    await berth?.destroy();
    removeAppObjects(apps);
  });

  test('a push over the size limit is refused by git with the reason', async () => {
    const app = appName(); apps.push(app);
    const repo = await sampleRepo('dockerfile-hello');
    // Random bytes do not compress, so the pack really is over 1 MiB.
    await writeFile(path.join(repo, 'blob.bin'), randomBytes(3 * 1024 * 1024));
    git(repo, 'add', 'blob.bin');
    git(repo, 'commit', '-qm', 'big');
    const res = await push(repo, berth.remote(app));
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /pack exceeds maximum allowed size/);
    // The server survived the aborted pack.
    const health = await fetch(`http://127.0.0.1:${berth.apiPort}/healthz`);
    assert.equal(health.status, 200);
  });

  test('a build step over the memory limit fails with the reason and how to fix it', async () => {
    const app = appName(); apps.push(app);
    const repo = await sampleRepo('dockerfile-hello');
    await commitFile(repo, 'Dockerfile',
      `FROM berth/stack:bookworm-build\nRUN echo ${randomBytes(4).toString('hex')} && python3 -c "a = bytearray(700 * 1024 * 1024); print(len(a))"\n`);
    const res = await push(repo, berth.remote(app));
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /exit code: 137/);
    assert.match(res.output, /build memory limit \(256 MiB\).*BERTH_BUILD_MEMORY_MB/);
  });

  test('an image with no CMD and no Procfile fails the push with what to add, before a release is made', async () => {
    const app = appName(); apps.push(app);
    const repo = await sampleRepo('dockerfile-hello');
    await commitFile(repo, 'Dockerfile', `FROM berth/stack:bookworm\nRUN echo ${randomBytes(4).toString('hex')}\n`);
    const res = await push(repo, berth.remote(app));
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /the image has no CMD or ENTRYPOINT, and there is no Procfile with a web process/);
    assert.match(res.output, /add a CMD to the Dockerfile/);
    assert.doesNotMatch(res.output, /internal error|Created release/);
  });

  test('a build over the time limit is stopped and the push fails', async () => {
    const app = appName(); apps.push(app);
    const repo = await sampleRepo('dockerfile-hello');
    await commitFile(repo, 'Dockerfile', `FROM berth/stack:bookworm\nRUN echo ${randomBytes(4).toString('hex')} && sleep 120\n`);
    const started = Date.now();
    const res = await push(repo, berth.remote(app));
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /the Docker build took longer than 15 s and was stopped/);
    assert.ok(Date.now() - started < 90_000, 'the push ended long before the step would have');
  });

  test('a build left running by a killed server is marked failed after restart', async () => {
    const app = appName(); apps.push(app);
    const repo = await sampleRepo('dockerfile-hello');
    await commitFile(repo, 'Dockerfile', `FROM berth/stack:bookworm\nRUN echo ${randomBytes(4).toString('hex')} && sleep 30\n`);
    const pushing = push(repo, berth.remote(app));
    // Kill the server once the build is under way.
    const redis = new Redis({ path: path.join(berth.dataDir, 'redis', 'redis.sock'), keyPrefix: berth.env.BERTH_REDIS_PREFIX });
    try {
      let buildId: string | undefined;
      for (let i = 0; i < 200 && !buildId; i++) {
        const running = await redis.smembers('builds:running');
        buildId = running[0];
        if (!buildId) await sleep(100);
      }
      assert.ok(buildId, 'a build started running');
      await berth.stop('SIGKILL');
      const res = await pushing;
      assert.notEqual(res.code, 0, 'the push of a build that never finished fails');
      // The receiver died with the server, so git itself reports the hang-up.
      assert.match(res.output, /remote end hung up|RPC failed|Lost contact/);
      await berth.start();
      let build: { status: string; error?: string } | undefined;
      for (let i = 0; i < 200; i++) {
        build = JSON.parse((await redis.get(`build:${buildId}`)) ?? 'null');
        if (build?.status === 'failed') break;
        await sleep(100);
      }
      assert.equal(build?.status, 'failed');
      assert.match(build?.error ?? '', /build worker stopped while this build was running/);
      // What the dead build left on disk (its work dir and pushed tree) goes too.
      const leftovers = () => [path.join(berth.dataDir, 'builds', buildId!), path.join(berth.dataDir, 'builds', `${buildId}.tar`)].filter(existsSync);
      for (let i = 0; i < 100 && leftovers().length > 0; i++) await sleep(100);
      assert.deepEqual(leftovers(), []);
    } finally {
      redis.disconnect();
    }
  });
});
