// Retention (`--keep N`): the N newest good backups stay; older good ones
// lose their file (the record stays, marked removed, as history). Failed
// backups never count towards N, so a run of failures cannot push the last
// good backup out, and N >= 1 means the newest good one always stays.
// Records past the per-service cap are dropped, except the last good one.
import type { BackupFiles } from '../../store/backup-files.js';
import { dropBackups, listBackups, updateBackup, type BackupRecord } from '../../store/backups.js';
import type { OpsDeps } from '../deps.js';

const isGood = (b: BackupRecord) => b.status === 'succeeded' && b.removedAt === undefined;

/** Which backups (newest first) lose their file, and which records go, for `keep` and a record cap. */
export function retentionPlan(newestFirst: readonly BackupRecord[], keep: number | undefined, cap: number): { removeFiles: BackupRecord[]; dropRecords: BackupRecord[] } {
  const good = newestFirst.filter(isGood);
  const lastGood = good[0];
  const removeFiles = keep === undefined ? [] : good.slice(Math.max(1, keep));
  const dropRecords = newestFirst.slice(cap).filter((b) => b !== lastGood && b.status !== 'running');
  // A record that goes takes its file with it.
  for (const b of dropRecords) if (isGood(b) && !removeFiles.includes(b)) removeFiles.push(b);
  return { removeFiles, dropRecords };
}

export async function applyRetention(service: string, keep: number | undefined, files: BackupFiles, deps: OpsDeps): Promise<number> {
  const all = await listBackups(deps.redis, service, deps.config.backups.timeoutMs);
  const plan = retentionPlan(all, keep, deps.config.backups.keptRecords);
  for (const b of plan.removeFiles) {
    // Another store (the settings changed) does not hold it: nothing to remove there.
    if (b.store === files.where) await files.remove(service, b.file);
    await updateBackup(deps.redis, { ...b, removedAt: Date.now() });
  }
  await dropBackups(deps.redis, service, plan.dropRecords.map((b) => b.id));
  return plan.removeFiles.length;
}
