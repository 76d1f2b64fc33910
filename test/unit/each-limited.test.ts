// eachLimited (src/shared/each-limited.ts): every item once, never more than
// `limit` at a time, and the first error rejects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { eachLimited } from '../../src/shared/each-limited.js';

test('every item is stepped once, at most limit at a time', async () => {
  const items = Array.from({ length: 20 }, (_, i) => i);
  const seen: number[] = [];
  let running = 0;
  let most = 0;
  await eachLimited(items, 3, async (i) => {
    most = Math.max(most, ++running);
    await sleep(i % 4);
    seen.push(i);
    running--;
  });
  assert.deepEqual([...seen].sort((a, b) => a - b), items);
  assert.equal(most, 3);
  await eachLimited([], 3, async () => assert.fail('no items, no steps'));
});

test('a step that throws rejects the whole run', async () => {
  await assert.rejects(eachLimited([1, 2, 3], 2, async (i) => { if (i === 2) throw new Error('step 2 failed'); }), /step 2 failed/);
});
