// The redis kind's offline restore (services/redis-backup.ts) through a fake
// handle: the file goes in only between stop and start, and the service is
// started again whatever failed, a stop that timed out included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { redisBackup } from '../../src/services/redis-backup.js';
import type { ServiceHandle } from '../../src/services/service-kind.js';

function fakeHandle(fail: { stop?: boolean; run?: boolean }) {
  const calls: string[] = [];
  const h: ServiceHandle = {
    exec: async () => ({ code: 0, stderr: '' }),
    stop: async () => { calls.push('stop'); if (fail.stop) throw new Error('the task did not stop'); },
    start: async () => { calls.push('start'); },
    runWithVolume: async () => { calls.push('run'); return fail.run ? { code: 1, stderr: 'bad rdb' } : { code: 0, stderr: '' }; },
  };
  return { h, calls };
}
const restore = (h: ServiceHandle) => redisBackup('/data').restore(h, { password: 'x' }, Readable.from([Buffer.from('REDIS')]));

test('the RDB is written while the service is stopped, then it starts', async () => {
  const { h, calls } = fakeHandle({});
  await restore(h);
  assert.deepEqual(calls, ['stop', 'run', 'start']);
});

test('a stop that fails still ends in a start, and nothing is written', async () => {
  const { h, calls } = fakeHandle({ stop: true });
  await assert.rejects(restore(h), /did not stop/);
  assert.deepEqual(calls, ['stop', 'start']);
});

test('a file that fails its check still ends in a start, and says why', async () => {
  const { h, calls } = fakeHandle({ run: true });
  await assert.rejects(restore(h), /bad rdb/);
  assert.deepEqual(calls, ['stop', 'run', 'start']);
});
