// Release images are `berth/app-<app>:v<N>`. Pruning keeps the newest ones
// so rollback stays possible, and never forces: an image a container still
// uses is left alone.
import type { Docker } from './client.js';
import { removeImage } from './containers.js';

export async function listReleaseImages(docker: Docker, app: string): Promise<number[]> {
  const images = await docker.listImages({ filters: { reference: [`berth/app-${app}`] } });
  const versions = new Set<number>();
  for (const img of images) {
    for (const tag of img.RepoTags ?? []) {
      const m = /^berth\/app-[a-z0-9-]+:v(\d+)$/.exec(tag);
      if (m && tag.startsWith(`berth/app-${app}:`)) versions.add(Number(m[1]));
    }
  }
  return [...versions].sort((a, b) => b - a);
}

export async function pruneReleaseImages(docker: Docker, app: string, keep: number, current: number): Promise<number[]> {
  const versions = await listReleaseImages(docker, app);
  const doomed = versions.slice(keep).filter((v) => v !== current);
  const removed: number[] = [];
  for (const v of doomed) {
    try {
      await removeImage(docker, `berth/app-${app}:v${v}`);
      removed.push(v);
    } catch { /* in use or already gone: try again after the next deploy */ }
  }
  return removed;
}

export async function untagImage(docker: Docker, ref: string): Promise<void> {
  // Removing one of several tags only untags; the image stays.
  await docker.getImage(ref).remove({ noprune: true }).catch(() => {});
}

export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  return docker.getImage(ref).inspect().then(() => true, (err: { statusCode?: number }) => {
    if (err.statusCode === 404) return false;
    throw err;
  });
}
