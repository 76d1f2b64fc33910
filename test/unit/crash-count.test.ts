// The watch after go-live's decision (src/pipeline/crash-count.ts): what
// counts as a crash of the watched release's web processes, "more than
// once" to roll back, and the app's own settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkWatchVars, crashCounter, healthCounter, watchSettings, webCrashes } from '../../src/pipeline/crash-count.js';
import type { ProcessView } from '../../src/runtime/scheduler.js';

const view = (o: Partial<ProcessView>): ProcessView => ({
  name: 'web.1', type: 'web', state: 'running', crashed: false, startedAt: '', uptimeSec: 1, restarts: 0, release: 'v4', ...o,
});

test('restarts of the release\'s web processes count, and a web process that stopped for good counts once more', () => {
  const t = webCrashes([
    view({ restarts: 1 }),
    view({ name: 'web.2', state: 'crashed', crashed: true, restarts: 2, reason: 'exited with code 1', lastLines: ['boom'] }),
    view({ name: 'web.3', state: 'exited', restarts: 0 }),
  ], 'v4');
  assert.equal(t.count, 4);
  assert.equal(t.reason, 'exited with code 1', 'from the one that is down: the others run again and no longer say why');
  assert.deepEqual(t.lastLines, ['boom']);
});

test('other releases and other process types are not counted', () => {
  const t = webCrashes([
    view({ release: 'v3', restarts: 5, state: 'crashed', crashed: true }),
    view({ type: 'worker', name: 'worker.1', restarts: 5, state: 'exited' }),
  ], 'v4');
  assert.deepEqual(t, { count: 0, reason: undefined, lastLines: undefined });
});

test('an OOM kill gives its reason', () => {
  const t = webCrashes([view({ state: 'crashed', crashed: true, restarts: 1, reason: 'was killed for going over its 512 MB memory limit (OOM)' })], 'v4');
  assert.match(t.reason ?? '', /OOM/);
});

test('one crash in the window is not enough; the second one is', () => {
  const crashedTwice = crashCounter();
  assert.equal(crashedTwice({ count: 0 }), false);
  assert.equal(crashedTwice({ count: 0 }), false);
  assert.equal(crashedTwice({ count: 1 }), false);
  assert.equal(crashedTwice({ count: 1 }), false);
  assert.equal(crashedTwice({ count: 2 }), true);
});

test('crashes before the watch began are the baseline, not counted', () => {
  const crashedTwice = crashCounter();
  assert.equal(crashedTwice({ count: 3 }), false);
  assert.equal(crashedTwice({ count: 4 }), false);
  assert.equal(crashedTwice({ count: 5 }), true);
});

test('processes replaced meanwhile (counters back at 0) keep what was counted', () => {
  const crashedTwice = crashCounter();
  assert.equal(crashedTwice({ count: 0 }), false);
  assert.equal(crashedTwice({ count: 1 }), false);
  assert.equal(crashedTwice({ count: 0 }), false, 'a ps:restart is not a crash');
  assert.equal(crashedTwice({ count: 1 }), true);
});

test('two crashes between two looks roll back at once', () => {
  const crashedTwice = crashCounter();
  assert.equal(crashedTwice({ count: 0 }), false);
  assert.equal(crashedTwice({ count: 2 }), true);
});

test('a failed health check after go-live counts once per `attempts` failed looks in a row, per process; a passing look starts again', () => {
  const looks = healthCounter();
  const bad = (name = 'web.1') => ({ name, attempts: 3, failure: 'GET /.well-known/berth-ready got no answer: no answer within 3000 ms' });
  const good = (name = 'web.1') => ({ name, attempts: 3 });
  assert.equal(looks([bad(), good('web.2')]).failures, 0);
  assert.equal(looks([bad()]).failures, 0);
  assert.equal(looks([good()]).failures, 0, 'it answered again: the streak is over');
  assert.equal(looks([bad()]).failures, 0);
  assert.equal(looks([bad(), bad('web.2')]).failures, 0);
  const third = looks([bad(), bad('web.2')]);
  assert.equal(third.failures, 1);
  assert.match(third.reason ?? '', /^web\.1: GET \/\.well-known\/berth-ready got no answer: .*, 3 times in a row$/);
  assert.equal(looks([bad(), bad('web.2')]).failures, 2, "web.2's third");
  // Still failing: as many looks more are a second failure of web.1 (a platform would have replaced it by then).
  looks([bad()]);
  assert.equal(looks([bad()]).failures, 3);
  // The watch adds them to the crash tally: two in the window roll back.
  const crashedTwice = crashCounter();
  assert.equal(crashedTwice({ count: 0 }), false);
  assert.equal(crashedTwice({ count: 0 + 1 }), false);
  assert.equal(crashedTwice({ count: 0 + 2 }), true);
});

test('the app\'s config vars override the server\'s defaults; unreadable ones are refused at config:set', () => {
  const defaults = { watchMs: 60_000, autoRollback: true };
  assert.deepEqual(watchSettings({}, defaults), defaults);
  assert.deepEqual(watchSettings({ BERTH_AUTO_ROLLBACK: 'off', BERTH_WATCH_SEC: '5' }, defaults), { watchMs: 5000, autoRollback: false });
  assert.deepEqual(watchSettings({ BERTH_AUTO_ROLLBACK: 'on' }, { watchMs: 0, autoRollback: false }), { watchMs: 0, autoRollback: true });
  assert.doesNotThrow(() => checkWatchVars({ BERTH_AUTO_ROLLBACK: 'Off', BERTH_WATCH_SEC: '0', OTHER: 'x' }));
  assert.throws(() => checkWatchVars({ BERTH_AUTO_ROLLBACK: 'maybe' }), (e: Error & { status: number; hint?: string }) =>
    e.status === 400 && /BERTH_AUTO_ROLLBACK must be on or off, not "maybe"/.test(e.message) && /BERTH_AUTO_ROLLBACK=off/.test(e.hint ?? ''));
  assert.throws(() => checkWatchVars({ BERTH_WATCH_SEC: '1.5' }), /BERTH_WATCH_SEC must be a whole number of seconds from 0 to 3600, not "1.5"/);
  assert.throws(() => checkWatchVars({ BERTH_WATCH_SEC: '9999' }), /BERTH_WATCH_SEC/);
  assert.throws(() => checkWatchVars({ BERTH_SETTLE_SEC: '-1' }), /BERTH_SETTLE_SEC must be a whole number of seconds from 0 to 600, not "-1"/);
});
