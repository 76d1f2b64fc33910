// app.json `cron`: Dokku's format, strict, with the next-run computation the
// ticks use (real minutes: the e2e test shortens the minute with a
// test-only six-field schedule, so the five-field path is covered here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAppJson } from '../../src/shared/app-json.js';
import { cronJobId, cronPattern, nextCronRun } from '../../src/shared/app-json-cron.js';
import { BerthError } from '../../src/shared/errors.js';

const refused = (re: RegExp) => (e: unknown) => e instanceof BerthError && e.code === 'invalid_app_json' && e.status === 400 && re.test(e.message);
const cron = (entries: unknown, opts = {}) => parseAppJson(JSON.stringify({ cron: entries }), opts);

test('Dokku entries are read with stable ids; no cron is no jobs', () => {
  const m = cron([{ command: 'node jobs/report.js', schedule: '@daily' }, { command: 'echo hi', schedule: '*/5 * * * *' }]);
  assert.equal(m.cron.length, 2);
  assert.deepEqual(m.cron[0], { id: cronJobId('@daily', 'node jobs/report.js'), schedule: '@daily', command: 'node jobs/report.js' });
  assert.match(m.cron[0]!.id, /^[0-9a-f]{10}$/);
  // Same command and schedule, same id: a redeploy keeps the job's name and history.
  assert.equal(cron([{ command: 'node jobs/report.js', schedule: '@daily' }]).cron[0]!.id, m.cron[0]!.id);
  assert.notEqual(cronJobId('@hourly', 'node jobs/report.js'), m.cron[0]!.id);
  assert.deepEqual(parseAppJson('{}').cron, []);
  assert.deepEqual(m.warnings, []);
});

test('every @ name Dokku accepts, and month and weekday names', () => {
  for (const name of ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@DAILY']) {
    assert.equal(cron([{ command: 'x', schedule: name }]).cron.length, 1, name);
  }
  assert.equal(cron([{ command: 'x', schedule: '0 9 * jan-mar mon-fri' }]).cron.length, 1);
  assert.equal(cronPattern('@midnight'), '0 0 * * *');
  assert.equal(cronPattern('  */5   *  * * * '), '*/5 * * * *');
});

test('the next run is computed in UTC, minute by minute', () => {
  const from = new Date('2026-03-10T10:15:30Z');
  assert.equal(nextCronRun('* * * * *', from).toISOString(), '2026-03-10T10:16:00.000Z');
  assert.equal(nextCronRun('* * * * *', new Date('2026-03-10T10:16:00Z')).toISOString(), '2026-03-10T10:17:00.000Z');
  assert.equal(nextCronRun('@daily', from).toISOString(), '2026-03-11T00:00:00.000Z');
  assert.equal(nextCronRun('@hourly', from).toISOString(), '2026-03-10T11:00:00.000Z');
  assert.equal(nextCronRun('30 2 * * *', from).toISOString(), '2026-03-11T02:30:00.000Z');
  assert.equal(nextCronRun('@weekly', from).toISOString(), '2026-03-15T00:00:00.000Z');
  assert.equal(nextCronRun('@yearly', from).toISOString(), '2027-01-01T00:00:00.000Z');
});

test('malformed entries are refused with the entry named', () => {
  assert.throws(() => cron({ command: 'x', schedule: '@daily' }), refused(/cron must be a list/));
  assert.throws(() => cron(['echo']), refused(/cron\[0\] must be an object/));
  assert.throws(() => cron([{ command: 'x', schedule: '@daily', when: 1 }]), refused(/cron\[0\] has an unknown key "when"/));
  assert.throws(() => cron([{ schedule: '@daily' }]), refused(/cron\[0\]\.command must be a shell command/));
  assert.throws(() => cron([{ command: '  ', schedule: '@daily' }]), refused(/cron\[0\]\.command must be/));
  assert.throws(() => cron([{ command: ['ls'], schedule: '@daily' }]), refused(/cron\[0\]\.command must be .* not a list/));
  assert.throws(() => cron([{ command: 'x'.repeat(5000), schedule: '@daily' }]), refused(/cron\[0\]\.command is longer than 4096/));
  const ok = { command: 'x', schedule: '@daily' };
  assert.throws(() => cron([ok, { command: 'x', schedule: 5 }]), refused(/cron\[1\]\.schedule must be a cron schedule .* not number 5/));
  assert.throws(() => cron([ok, { command: 'x', schedule: '' }]), refused(/cron\[1\]\.schedule must be/));
  assert.throws(() => cron([{ command: 'x', schedule: '61 * * * *' }]), refused(/cron\[0\]\.schedule "61 \* \* \* \*" is not a valid cron schedule/));
  assert.throws(() => cron([{ command: 'x', schedule: '0 0 30 2 *' }]), refused(/cron\[0\]\.schedule .* not a valid cron schedule/));
  assert.throws(() => cron([{ command: 'x', schedule: '* * * *' }]), refused(/has 4 fields; a schedule has five/));
  assert.throws(() => cron([{ command: 'x', schedule: '*/5 * * * * *' }]), refused(/has 6 fields.*seconds/));
  assert.throws(() => cron([{ command: 'x', schedule: '@every 5m' }]), refused(/"@every 5m" is not a schedule name; the names are: @yearly/));
  assert.throws(() => cron([{ command: 'x', schedule: 'H * * * *' }]), refused(/"H" \(hashed\)/));
  assert.throws(() => cron([ok, ok]), refused(/cron\[1\] repeats an earlier entry/));
  assert.throws(() => cron(Array.from({ length: 51 }, (_, i) => ({ command: `echo ${i}`, schedule: '@daily' }))), refused(/at most 50/));
});

test('concurrency_policy: what Dokku accepts is accepted; what Berth does not do is a warning', () => {
  assert.deepEqual(cron([{ command: 'x', schedule: '@daily', concurrency_policy: 'forbid' }]).warnings, []);
  const m = cron([{ command: 'x', schedule: '@daily', concurrency_policy: 'allow' }, { command: 'y', schedule: '@daily', concurrency_policy: 'replace' }]);
  assert.equal(m.warnings.length, 2);
  assert.match(m.warnings[0]!, /cron\[0\]\.concurrency_policy "allow" is not supported by Berth; .* skipped/);
  assert.throws(() => cron([{ command: 'x', schedule: '@daily', concurrency_policy: 'sometimes' }]), refused(/cron\[0\]\.concurrency_policy must be one of allow, forbid, replace/));
});

test('six-field schedules only under the test flag', () => {
  assert.equal(cron([{ command: 'x', schedule: '*/5 * * * * *' }], { allowSeconds: true }).cron.length, 1);
});
