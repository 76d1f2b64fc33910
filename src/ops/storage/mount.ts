// storage:mount and storage:unmount (Dokku's verbs). The spec is checked
// (shared/storage-mount.ts), a host directory is resolved against the
// storage root, a volume is made now (so a problem shows here, not at the
// next deploy), then, as a config change does, a new release deploys it.
// If that deploy fails the mount list goes back to what it was.
import { fail } from '../../shared/errors.js';
import { checkProcesses, describeMount, mountKey, parseMountSpec, type StorageMount } from '../../shared/storage-mount.js';
import type { AppRecord } from '../../shared/types.js';
import { ensureStorageVolume, resolveStorageDir } from '../../docker/storage.js';
import { storageOwner } from '../../runtime/storage-mounts.js';
import { deleteMount, getDeployStrategy, listMounts, putMount, restoreMount, setDeployStrategy } from '../../store/storage.js';
import { requireApp, requireCurrentRelease } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';
import { redeploy } from '../releases/redeploy.js';
import { getFormation } from '../../store/apps.js';
import { effectiveFormation } from '../../runtime/scheduler.js';
import { mountRefusal } from '../../shared/storage-replicas.js';

export interface MountResult {
  readonly mount: StorageMount;
  /** The release that made it take effect; none before the app's first deploy. */
  readonly release?: number;
  readonly log: string[];
}

async function deployChange(app: AppRecord, description: string, undo: () => Promise<void>, deps: OpsDeps) {
  if (!app.currentRelease) return { release: undefined, log: [] as string[] };
  const base = await requireCurrentRelease(app, deps);
  try {
    const { release, log } = await redeploy(app, base, { description }, deps);
    return { release: release.version, log };
  } catch (err) {
    await undo();
    throw err;
  }
}

/** A type already scaled past what the scheduler lets a type with storage run is refused before anything is made. */
async function refuseOverScaled(app: AppRecord, mount: StorageMount, deps: OpsDeps): Promise<void> {
  if (!deps.scheduler.storageReplicas || !app.currentRelease) return;
  const formation = effectiveFormation(await requireCurrentRelease(app, deps), await getFormation(deps.redis, app.name));
  const refusal = mountRefusal(app.name, mount, formation, deps.scheduler.storageReplicas);
  if (refusal) throw refusal;
}

export async function storageMount(input: { app: unknown; mount: unknown; processes?: unknown; stopFirst?: boolean }, deps: OpsDeps): Promise<MountResult> {
  const app = await requireApp(input.app, deps);
  const parsed = parseMountSpec(input.mount, deps.config.storage.root);
  const processes = checkProcesses(input.processes);
  const mount: StorageMount = processes ? { ...parsed, processes } : parsed;
  await refuseOverScaled(app, mount, deps);
  if (parsed.kind === 'dir') await resolveStorageDir(parsed.source, deps.config.storage.root);
  else await ensureStorageVolume(deps.docker, app.name, parsed.source, storageOwner(deps.config));
  const strategyBefore = await getDeployStrategy(deps.redis, app.name);
  const previous = await putMount(deps.redis, app.name, mount);
  if (input.stopFirst) await setDeployStrategy(deps.redis, app.name, 'stop-first');
  const undo = async () => {
    await restoreMount(deps.redis, app.name, mountKey(mount), previous);
    await setDeployStrategy(deps.redis, app.name, strategyBefore);
  };
  return { mount, ...(await deployChange(app, describeMount('Mount', mount), undo, deps)) };
}

export async function storageUnmount(input: { app: unknown; mount: unknown }, deps: OpsDeps): Promise<MountResult> {
  const app = await requireApp(input.app, deps);
  const key = mountKey(parseMountSpec(input.mount, deps.config.storage.root));
  const removed = await deleteMount(deps.redis, app.name, key);
  if (!removed) {
    const known = (await listMounts(deps.redis, app.name)).map(mountKey);
    throw fail('mount_not_found', `${app.name} has no mount ${key}`,
      known.length ? `its mounts: ${known.join(', ')}` : `${app.name} has no mounts; see berth storage:list ${app.name}`);
  }
  const undo = () => restoreMount(deps.redis, app.name, key, removed);
  return { mount: removed, ...(await deployChange(app, describeMount('Unmount', removed), undo, deps)) };
}
