// The dashboard's small pure parts: latency quantiles from a per-minute
// histogram, release config diffs and the sign-in back-off. Their paths run
// for real in test/dashboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantileMs } from '../../src/ops/metrics/series.js';
import { configDiff } from '../../src/ops/releases/list.js';
import { signInWaitMs } from '../../src/ops/auth/session.js';
import { LATENCY_BUCKETS } from '../../src/store/routes.js';

test('quantileMs interpolates inside the bucket holding the rank, as histogram_quantile does', () => {
  const b = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
  assert.equal(quantileMs(b, 0.5), null, 'no requests: no latency');
  b[2] = 10; // all in (10 ms, 25 ms]
  assert.equal(quantileMs(b, 0.5), 17.5);
  assert.equal(quantileMs(b, 0.95), 24.25);
  b[12] = 90; // 90 slower than the last bound
  assert.equal(quantileMs(b, 0.95), 30_000, '+Inf reports the highest finite bound');
  assert.equal(quantileMs(b, 0.05), 17.5);
});

test('configDiff names added, changed and removed keys, never values', () => {
  const d = configDiff({ A: '1', B: '2', C: '3' }, { A: '1', B: 'two', D: '4' });
  assert.deepEqual(d, { added: ['D'], changed: ['B'], removed: ['C'] });
  assert.ok(!JSON.stringify(d).includes('two'));
  assert.deepEqual(configDiff({}, {}), { added: [], changed: [], removed: [] });
});

test('sign-in failures are free up to the limit, then each wait doubles up to 5 minutes', () => {
  assert.deepEqual([0, 4, 5, 6, 7, 20].map((n) => signInWaitMs(n, 5)), [0, 0, 1000, 2000, 4000, 300_000]);
});
