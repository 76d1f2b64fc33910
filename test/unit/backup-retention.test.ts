// Retention and schedule input (ops/services/backup-retention.ts,
// backup-schedule.ts): --keep counts good backups only, never removes the
// newest good one, and the record cap keeps it too; cron is five UTC fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retentionPlan } from '../../src/ops/services/backup-retention.js';
import { nextRun, parseCron } from '../../src/ops/services/backup-schedule.js';
import { parseKeep } from '../../src/ops/services/backup.js';
import type { BackupRecord, BackupStatus } from '../../src/store/backups.js';

const rec = (id: string, status: BackupStatus, removed = false): BackupRecord => ({
  id, service: 'db', kind: 'postgres', file: `${id}.dump`, store: 'local /x', trigger: 'schedule', startedAt: 0, status,
  ...(removed ? { removedAt: 1 } : {}),
});
const ids = (bs: readonly BackupRecord[]) => bs.map((b) => b.id);

test('--keep N keeps the N newest good backups; failed ones do not count', () => {
  const newestFirst = [rec('f3', 'failed'), rec('g3', 'succeeded'), rec('f2', 'failed'), rec('g2', 'succeeded'), rec('g1', 'succeeded')];
  assert.deepEqual(ids(retentionPlan(newestFirst, 2, 200).removeFiles), ['g1']);
  assert.deepEqual(ids(retentionPlan(newestFirst, 1, 200).removeFiles), ['g2', 'g1']);
  assert.deepEqual(ids(retentionPlan(newestFirst, undefined, 200).removeFiles), []);
});

test('a run of failures never pushes the last good backup out', () => {
  const newestFirst = [rec('f5', 'failed'), rec('f4', 'failed'), rec('f3', 'failed'), rec('g1', 'succeeded'), rec('g0', 'succeeded', true)];
  const plan = retentionPlan(newestFirst, 1, 3);
  assert.deepEqual(ids(plan.removeFiles), []);
  // Past the cap of 3 records: the removed one goes, the last good one stays.
  assert.deepEqual(ids(plan.dropRecords), ['g0']);
  // Even a cap of 1 keeps it, and a running backup is never dropped.
  assert.deepEqual(ids(retentionPlan([rec('r', 'running'), ...newestFirst], 1, 1).dropRecords), ['f5', 'f4', 'f3', 'g0']);
});

test('a good backup dropped by the record cap loses its file too', () => {
  const plan = retentionPlan([rec('g3', 'succeeded'), rec('g2', 'succeeded'), rec('g1', 'succeeded')], undefined, 2);
  assert.deepEqual(ids(plan.dropRecords), ['g1']);
  assert.deepEqual(ids(plan.removeFiles), ['g1']);
});

test('cron: five fields in UTC, clear errors; --keep from 1', () => {
  assert.equal(parseCron(' 0  3 * * * '), '0 3 * * *');
  assert.equal(nextRun('0 3 * * *', new Date('2026-12-07T04:00:00Z')), '2026-12-08T03:00:00.000Z');
  for (const bad of ['61 * * * *', '* * * *', '* * * * * *', 'daily', '', undefined]) {
    assert.throws(() => parseCron(bad), (e: { code: string; hint?: string }) => e.code === 'invalid_cron' && /five fields/.test(e.hint ?? ''), String(bad));
  }
  assert.equal(parseKeep('7'), 7);
  assert.equal(parseKeep(undefined), undefined);
  for (const bad of ['0', '-1', '1.5', 'all', 100_000]) assert.throws(() => parseKeep(bad), /--keep must be/);
});
