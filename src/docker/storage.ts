// Storage mounts on the engine: a release's mounts -> Docker `Mounts`.
//   volume: berth-storage-<app>-<name>, labelled, made on first use and its
//           root chowned once to the app user by a throwaway container;
//   dir:    a host directory, resolved with realpath at every container
//           start, and refused unless it still lies under the storage root
//           (a symlink swapped in after storage:mount cannot escape).
// Nothing here removes a volume without Berth's storage label for the app.
import { lstat, mkdir, chown, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { BerthError, fail } from '../shared/errors.js';
import { storageVolumeName, type StorageMount } from '../shared/storage-mount.js';
import type { Docker } from './client.js';
import { berthLabels, isBerthOwned, LABEL } from './labels.js';

export const STORAGE_LABEL = 'berth.storage';

export interface StorageOwner {
  readonly root: string;
  readonly uid: number;
  readonly gid: number;
  /** The image of the throwaway container that chowns a new volume (the run stack). */
  readonly image: string;
}

/** Docker's mount object, as both HostConfig.Mounts and a Swarm ContainerSpec take it. */
export type DockerMount = Dockerode.MountSettings;

// No copy-up: a new volume is not filled from (nor chowned like) the image's directory at that path.
const NO_COPY = { NoCopy: true } as Dockerode.MountSettings['VolumeOptions'];

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;

async function chownVolume(docker: Docker, app: string, volume: string, owner: StorageOwner): Promise<void> {
  const container = await docker.createContainer({
    Image: owner.image,
    User: '0',
    Cmd: ['chown', `${owner.uid}:${owner.gid}`, '/volume'],
    Labels: berthLabels(app, 'storage', 'storage-init', 'run'),
    NetworkDisabled: true,
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/volume', VolumeOptions: NO_COPY }], NetworkMode: 'none' },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    if (StatusCode !== 0) throw new Error(`chown exited with code ${StatusCode}`);
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

/** The app's volume for `name`, made and given to the app user on first use. */
export async function ensureStorageVolume(docker: Docker, app: string, name: string, owner: StorageOwner): Promise<string> {
  const volume = storageVolumeName(app, name);
  const existing = await docker.getVolume(volume).inspect().catch((err) => { if (statusOf(err) === 404) return undefined; throw err; });
  if (existing) {
    if (!isBerthOwned(existing.Labels) || existing.Labels[LABEL.app] !== app || existing.Labels[STORAGE_LABEL] !== name) {
      throw new BerthError('storage_volume_foreign', `a Docker volume named ${volume} exists but is not ${app}'s storage`,
        { hint: `rename or remove that volume, or mount another name` });
    }
    return volume;
  }
  await docker.createVolume({ Name: volume, Labels: { ...berthLabels(app, 'storage', name, 'storage'), [STORAGE_LABEL]: name } });
  try {
    await chownVolume(docker, app, volume, owner);
  } catch (err) {
    await docker.getVolume(volume).remove().catch(() => {});
    throw new BerthError('storage_init_failed', `could not give the new volume ${volume} to uid ${owner.uid}: ${(err as Error).message}`,
      { hint: `check that the image ${owner.image} exists (deploy/stack/build.sh builds it)`, expose: true });
  }
  return volume;
}

/** A host directory's real path, refused unless it is a directory under the storage root. */
export async function resolveStorageDir(source: string, root: string): Promise<string> {
  const hint = `mount a directory under ${root}, made with berth storage:ensure-directory <name>`;
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(source), realpath(root)]);
  } catch {
    throw fail('storage_dir_missing', `the directory ${source} does not exist`, `run berth storage:ensure-directory ${path.basename(source)} first`);
  }
  if (!real.startsWith(`${realRoot}/`)) {
    throw fail('mount_source_denied', `${source} leads to ${real}, outside Berth's storage root (a symlink out of the root)`, hint);
  }
  if (!(await stat(real)).isDirectory()) throw fail('mount_source_denied', `${source} is not a directory`, hint);
  return real;
}

/** The Docker mounts for a process's share of a release's mounts; volumes are made if missing. */
export async function dockerMounts(docker: Docker, app: string, mounts: readonly StorageMount[], owner: StorageOwner): Promise<DockerMount[]> {
  const out: DockerMount[] = [];
  for (const m of mounts) {
    if (m.kind === 'volume') {
      out.push({ Type: 'volume', Source: await ensureStorageVolume(docker, app, m.source, owner), Target: m.target, VolumeOptions: NO_COPY });
    } else {
      out.push({ Type: 'bind', Source: await resolveStorageDir(m.source, owner.root), Target: m.target });
    }
  }
  return out;
}

/** storage:ensure-directory: `<root>/<name>`, owned by the app user; a symlink or file of that name is refused. */
export async function ensureStorageDirectory(name: string, owner: Pick<StorageOwner, 'root' | 'uid' | 'gid'>): Promise<{ path: string; created: boolean }> {
  await mkdir(owner.root, { recursive: true, mode: 0o755 });
  const dir = path.join(owner.root, name);
  const existing = await lstat(dir).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    throw fail('mount_source_denied', `${dir} exists and is not a directory (a symlink or a file)`, `remove it, then run berth storage:ensure-directory ${name} again`);
  }
  if (!existing) await mkdir(dir, { mode: 0o755 });
  await chown(dir, owner.uid, owner.gid);
  return { path: dir, created: !existing };
}

/** The app's storage volumes (short names), from their labels. */
export async function listStorageVolumes(docker: Docker, app: string): Promise<string[]> {
  const { Volumes } = await docker.listVolumes({ filters: { label: [`${LABEL.app}=${app}`, STORAGE_LABEL] } });
  return (Volumes ?? []).map((v) => v.Name).sort();
}

/** Removes the app's storage volumes (apps:destroy --purge-storage); returns their names. */
export async function removeStorageVolumes(docker: Docker, app: string): Promise<string[]> {
  const names = await listStorageVolumes(docker, app);
  for (const name of names) {
    const v = docker.getVolume(name);
    const labels = (await v.inspect()).Labels;
    if (labels?.[LABEL.app] !== app || !labels[STORAGE_LABEL]) throw new BerthError('not_berth_owned', `refusing to remove volume ${name}: it is not ${app}'s storage`);
    await removeWhenFree(v, name);
  }
  return names;
}

// Under Swarm, a removed service's task containers stop in the background
// and hold the volume (409) for a few seconds; wait that out, within a bound.
async function removeWhenFree(v: Dockerode.Volume, name: string, tries = 40): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await v.remove();
      return;
    } catch (err) {
      if (statusOf(err) === 404) return;
      if (statusOf(err) !== 409 || i >= tries) {
        throw new BerthError('storage_in_use', `the volume ${name} is still in use`, { hint: `remove it later with: docker volume rm ${name}`, cause: err });
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
