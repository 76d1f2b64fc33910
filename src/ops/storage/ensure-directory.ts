// storage:ensure-directory <name> (Dokku's verb): makes <storage root>/<name>,
// owned by the app user (BERTH_STORAGE_UID, default 1000, the buildpack
// slug's `app`), ready to mount as `<root>/<name>:/app/<dir>`.
import { ensureStorageDirectory } from '../../docker/storage.js';
import { checkDirName } from '../../shared/storage-mount.js';
import type { OpsDeps } from '../deps.js';

export async function storageEnsureDirectory(input: { name: unknown }, deps: OpsDeps): Promise<{ path: string; created: boolean; uid: number }> {
  const name = checkDirName(input.name);
  const { path, created } = await ensureStorageDirectory(name, deps.config.storage);
  return { path, created, uid: deps.config.storage.uid };
}
