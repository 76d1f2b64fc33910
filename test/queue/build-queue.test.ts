// The build queue against real Redis and bullmq, with the build's life on
// it (pipeline/build-life.ts): superseding a waiting build, deferring
// without failing, and the per-app lease.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBuildQueue, startBuildWorker, type BuildJobData } from '../../src/queue/build-queue.js';
import { tryLease } from '../../src/store/locks.js';
import { createBuild, followLog, getBuild, latestBuildId } from '../../src/store/builds.js';
import { enqueueBuild } from '../../src/pipeline/build-life.js';
import type { AppName } from '../../src/shared/app-name.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(20);
  }
}

describe('build queue', () => {
  let redis: TestRedis;
  before(async () => { redis = await startTestRedis(); });
  after(async () => { await redis?.stop(); });

  test('a newer push supersedes the waiting build of the same app only', async () => {
    const queue = createBuildQueue(redis.handle);
    const deps = { redis: redis.handle, queue, config: { build: { logMaxLines: 100 } } };
    for (const [id, app] of [['a1', 'alpha'], ['b1', 'beta'], ['a2', 'alpha']] as const) await createBuild(redis.handle, { id, app: app as AppName, rev: '0'.repeat(40), ref: 'refs/heads/main' });
    assert.deepEqual(await enqueueBuild(deps, { buildId: 'a1', app: 'alpha' }), []);
    assert.deepEqual(await enqueueBuild(deps, { buildId: 'b1', app: 'beta' }), []);
    assert.deepEqual(await enqueueBuild(deps, { buildId: 'a2', app: 'alpha' }), ['a1']);
    // The superseded build is ended, status and log together, and says by which push.
    assert.equal((await getBuild(redis.handle, 'a1'))?.status, 'superseded');
    const lines: string[] = [];
    let end: string | undefined;
    for await (const ev of followLog(redis.handle, 'a1')) if ('end' in ev) end = ev.end; else lines.push(ev.line);
    assert.match(lines.join('\n'), /Superseded by a newer push \(build a2\)/);
    assert.equal(end, 'superseded');
    assert.equal(await latestBuildId(redis.handle, 'alpha'), 'a2');
    const ran: BuildJobData[] = [];
    const worker = startBuildWorker(redis.handle, 2, async (data) => { ran.push(data); });
    await until(() => ran.length === 2);
    await sleep(200);
    assert.deepEqual(ran.map((d) => d.buildId).sort(), ['a2', 'b1']);
    await worker.close();
    await queue.close();
  });

  test('a deferred job runs again later instead of failing', async () => {
    const queue = createBuildQueue(redis.handle);
    let attempts = 0;
    let done = false;
    const worker = startBuildWorker(redis.handle, 1, async (_data, control) => {
      attempts++;
      if (attempts === 1) await control.defer(100);
      done = true;
    });
    await queue.add({ buildId: 'd1', app: 'delta' });
    await until(() => done);
    assert.equal(attempts, 2);
    await worker.close();
    await queue.close();
  });

  test('one lease per app: a second holder waits until the first lets go', async () => {
    const first = await tryLease(redis.handle, 'build:gamma', 5000);
    assert.ok(first);
    assert.equal(await tryLease(redis.handle, 'build:gamma', 5000), undefined);
    assert.ok(await tryLease(redis.handle, 'build:other', 5000), 'other apps are not blocked');
    assert.equal(await first.renew(), true);
    await first.release();
    const second = await tryLease(redis.handle, 'build:gamma', 5000);
    assert.ok(second);
    // A stale holder cannot release or renew someone else's lease.
    assert.equal(await first.renew(), false);
    await first.release();
    assert.equal(await tryLease(redis.handle, 'build:gamma', 5000), undefined);
  });
});
