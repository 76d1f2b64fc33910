// storage:list (Dokku's storage:report): an app's mounts, its deploy
// strategy, and the storage volumes Docker holds for it.
import { listStorageVolumes } from '../../docker/storage.js';
import { storageVolumeName, type StorageMount } from '../../shared/storage-mount.js';
import { getDeployStrategy, listMounts, setDeployStrategy, type DeployStrategy } from '../../store/storage.js';
import { fail } from '../../shared/errors.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

export interface StorageMountView extends StorageMount {
  /** The Docker volume behind a bare name. */
  readonly volume?: string;
}

export async function storageList(input: { app: unknown }, deps: OpsDeps) {
  const app = await requireApp(input.app, deps);
  const mounts: StorageMountView[] = (await listMounts(deps.redis, app.name))
    .map((m) => (m.kind === 'volume' ? { ...m, volume: storageVolumeName(app.name, m.source) } : m));
  return {
    mounts,
    deployStrategy: await getDeployStrategy(deps.redis, app.name),
    volumes: await listStorageVolumes(deps.docker, app.name),
    root: deps.config.storage.root,
  };
}

/** storage:strategy: start-first (default, zero downtime) or stop-first; applies from the next deploy. */
export async function storageStrategy(input: { app: unknown; strategy: unknown }, deps: OpsDeps): Promise<{ deployStrategy: DeployStrategy }> {
  const app = await requireApp(input.app, deps);
  if (input.strategy !== 'start-first' && input.strategy !== 'stop-first') {
    throw fail('invalid_strategy', `"${String(input.strategy)}" is not a deploy strategy`,
      'use start-first (new processes start before old ones stop: zero downtime) or stop-first (old ones stop first: downtime)');
  }
  await setDeployStrategy(deps.redis, app.name, input.strategy);
  return { deployStrategy: input.strategy };
}
