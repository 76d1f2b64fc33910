// An app's storage mounts and deploy strategy. A hash per app, field
// `<source>:<target>`, so a mount is added and removed by what the user
// typed. Each new release copies the list (pipeline/release.ts); the
// keys sit under the app's own prefix and go with deleteAppState.
import type { AppName } from '../shared/app-name.js';
import { mountKey, type StorageMount } from '../shared/storage-mount.js';
import type { RedisHandle } from './redis.js';

const mountsKey = (r: RedisHandle, app: string) => r.key('app', app, 'storage');
const strategyKey = (r: RedisHandle, app: string) => r.key('app', app, 'deploy-strategy');

/** start-first (default): new processes start, then old ones drain; stop-first: old ones stop first (downtime). */
export type DeployStrategy = 'start-first' | 'stop-first';

export async function listMounts(r: RedisHandle, app: AppName): Promise<StorageMount[]> {
  const h = await r.client.hgetall(mountsKey(r, app));
  return Object.keys(h).sort().map((k) => JSON.parse(h[k]!) as StorageMount);
}

/** Adds or replaces the mount; returns the one it replaced. */
export async function putMount(r: RedisHandle, app: AppName, mount: StorageMount): Promise<StorageMount | undefined> {
  const key = mountKey(mount);
  const [[, before]] = (await r.client.multi().hget(mountsKey(r, app), key).hset(mountsKey(r, app), key, JSON.stringify(mount)).exec()) as [[unknown, string | null]];
  return before ? (JSON.parse(before) as StorageMount) : undefined;
}

/** Removes the mount stored under `key`; returns it, or undefined when there was none. */
export async function deleteMount(r: RedisHandle, app: AppName, key: string): Promise<StorageMount | undefined> {
  const [[, before]] = (await r.client.multi().hget(mountsKey(r, app), key).hdel(mountsKey(r, app), key).exec()) as [[unknown, string | null]];
  return before ? (JSON.parse(before) as StorageMount) : undefined;
}

/** Puts back what a failed deploy of a mount change replaced. */
export async function restoreMount(r: RedisHandle, app: AppName, key: string, previous: StorageMount | undefined): Promise<void> {
  if (previous) await r.client.hset(mountsKey(r, app), key, JSON.stringify(previous));
  else await r.client.hdel(mountsKey(r, app), key);
}

export async function getDeployStrategy(r: RedisHandle, app: AppName): Promise<DeployStrategy> {
  return (await r.client.get(strategyKey(r, app))) === 'stop-first' ? 'stop-first' : 'start-first';
}

export async function setDeployStrategy(r: RedisHandle, app: AppName, strategy: DeployStrategy): Promise<void> {
  if (strategy === 'stop-first') await r.client.set(strategyKey(r, app), strategy);
  else await r.client.del(strategyKey(r, app));
}
