// Named volumes Berth keeps, today only each app's build cache. Like every
// other Berth object they carry the app's labels, and removal refuses a
// volume without them.
import { BerthError } from '../shared/errors.js';
import type { Docker } from './client.js';
import { berthLabels, isBerthOwned, LABEL } from './labels.js';

export const cacheVolumeName = (app: string) => `berth-cache-${app}`;

/** The app's build cache volume, created on first use. */
export async function ensureCacheVolume(docker: Docker, app: string): Promise<string> {
  const name = cacheVolumeName(app);
  const existing = await docker.getVolume(name).inspect().catch((err: { statusCode?: number }) => {
    if (err.statusCode === 404) return undefined;
    throw err;
  });
  if (existing) {
    if (!isBerthOwned(existing.Labels)) {
      throw new BerthError('cache_volume_foreign', `a Docker volume named ${name} exists but was not made by Berth`,
        { hint: `rename or remove that volume (docker volume rm ${name}) so Berth can keep ${app}'s build cache there` });
    }
    return name;
  }
  // Creating a volume that already exists is a no-op in Docker, so a race is harmless.
  await docker.createVolume({ Name: name, Labels: { ...berthLabels(app, 'build', 'cache', 'build'), 'berth.volume': 'build-cache' } });
  return name;
}

/** Removes the app's build cache volume; false when there was none. */
export async function removeCacheVolume(docker: Docker, app: string): Promise<boolean> {
  const name = cacheVolumeName(app);
  const volume = docker.getVolume(name);
  let labels: Record<string, string> | undefined;
  try {
    labels = (await volume.inspect()).Labels;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
  if (!isBerthOwned(labels) || labels?.[LABEL.app] !== app) {
    throw new BerthError('not_berth_owned', `refusing to remove volume ${name}: it has no ${LABEL.app}=${app} label`);
  }
  try {
    await volume.remove();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    if ((err as { statusCode?: number }).statusCode === 409) {
      throw new BerthError('cache_in_use', `the build cache of ${app} is in use by a running build`,
        { hint: 'wait for the build to finish, then clear the cache again' });
    }
    throw err;
  }
  return true;
}
