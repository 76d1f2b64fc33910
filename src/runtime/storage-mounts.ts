// The Docker mounts a process of a release gets, for both schedulers: the
// release's storage mounts for its process type (one-offs get them all),
// volumes made if missing, host directories checked again against the
// storage root right before the container is created.
import type { BerthConfig } from '../config/index.js';
import type { Docker } from '../docker/client.js';
import { dockerMounts, type DockerMount, type StorageOwner } from '../docker/storage.js';
import { mountsFor } from '../shared/storage-mount.js';
import type { Release } from '../shared/types.js';

export const storageOwner = (config: BerthConfig): StorageOwner =>
  ({ root: config.storage.root, uid: config.storage.uid, gid: config.storage.gid, image: config.images.run });

/** `type` undefined: a one-off, which gets every mount. */
export async function processMounts(docker: Docker, config: BerthConfig, release: Release, type: string | undefined): Promise<DockerMount[]> {
  const mounts = mountsFor(release.mounts, type);
  return mounts.length ? dockerMounts(docker, release.app, mounts, storageOwner(config)) : [];
}
