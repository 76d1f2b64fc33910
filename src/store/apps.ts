// Apps and their releases. A release is written once and only its status
// moves (pending -> live | failed), so history stays trustworthy.
import type { AppName } from '../shared/app-name.js';
import type { AppRecord, Release, ReleaseStatus } from '../shared/types.js';
import type { RedisHandle } from './redis.js';

const appKey = (r: RedisHandle, app: string) => r.key('app', app);
const releasesKey = (r: RedisHandle, app: string) => r.key('app', app, 'releases');
const seqKey = (r: RedisHandle, app: string) => r.key('app', app, 'release-seq');
const configKey = (r: RedisHandle, app: string) => r.key('app', app, 'config');
const appsKey = (r: RedisHandle) => r.key('apps');

/** Creates the app if missing; returns true when it was created now. */
export async function createApp(r: RedisHandle, name: AppName): Promise<boolean> {
  const created = await r.client.hsetnx(appKey(r, name), 'name', name);
  if (created) {
    await r.client.multi().hset(appKey(r, name), 'createdAt', Date.now(), 'currentRelease', 0).sadd(appsKey(r), name).exec();
  }
  return created === 1;
}

export async function getApp(r: RedisHandle, name: AppName): Promise<AppRecord | undefined> {
  const h = await r.client.hgetall(appKey(r, name));
  if (!h.name) return undefined;
  return { name, createdAt: Number(h.createdAt ?? 0), currentRelease: Number(h.currentRelease ?? 0) };
}

export async function listApps(r: RedisHandle): Promise<AppName[]> {
  return ((await r.client.smembers(appsKey(r))) as AppName[]).sort();
}

export async function getConfigVars(r: RedisHandle, app: AppName): Promise<Record<string, string>> {
  return r.client.hgetall(configKey(r, app));
}

export async function nextReleaseVersion(r: RedisHandle, app: AppName): Promise<number> {
  return r.client.incr(seqKey(r, app));
}

export async function saveRelease(r: RedisHandle, release: Release): Promise<void> {
  await r.client.hset(releasesKey(r, release.app), String(release.version), JSON.stringify(release));
}

export async function getRelease(r: RedisHandle, app: AppName, version: number): Promise<Release | undefined> {
  const raw = await r.client.hget(releasesKey(r, app), String(version));
  return raw ? (JSON.parse(raw) as Release) : undefined;
}

export async function listReleases(r: RedisHandle, app: AppName): Promise<Release[]> {
  const all = await r.client.hvals(releasesKey(r, app));
  return all.map((v) => JSON.parse(v) as Release).sort((a, b) => b.version - a.version);
}

export async function setReleaseStatus(r: RedisHandle, app: AppName, version: number, status: ReleaseStatus): Promise<void> {
  const rel = await getRelease(r, app, version);
  if (!rel) return;
  rel.status = status;
  await saveRelease(r, rel);
}

/** Marks `version` live and makes it the app's current release, atomically. */
export async function promoteRelease(r: RedisHandle, app: AppName, version: number): Promise<void> {
  const rel = await getRelease(r, app, version);
  if (!rel) throw new Error(`release v${version} of ${app} is missing`);
  rel.status = 'live';
  await r.client.multi()
    .hset(releasesKey(r, app), String(version), JSON.stringify(rel))
    .hset(appKey(r, app), 'currentRelease', version)
    .exec();
}
