// Apps and their releases. A release is written once and only its status
// moves (pending -> live | failed), so history stays trustworthy.
import type { AppName } from '../shared/app-name.js';
import type { AppRecord, Release, ReleaseStatus } from '../shared/types.js';
import type { RedisHandle } from './redis.js';
import { publishAppChange } from './app-events.js';

const appKey = (r: RedisHandle, app: string) => r.key('app', app);
const releasesKey = (r: RedisHandle, app: string) => r.key('app', app, 'releases');
const seqKey = (r: RedisHandle, app: string) => r.key('app', app, 'release-seq');
const configKey = (r: RedisHandle, app: string) => r.key('app', app, 'config');
const appsKey = (r: RedisHandle) => r.key('apps');

/** Creates the app if missing; returns true when it was created now. */
export async function createApp(r: RedisHandle, name: AppName): Promise<boolean> {
  const created = await r.client.hsetnx(appKey(r, name), 'name', name);
  if (created) {
    const m = r.client.multi().hset(appKey(r, name), 'createdAt', Date.now(), 'currentRelease', 0).sadd(appsKey(r), name);
    await publishAppChange(r, m, name).exec();
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
  const m = r.client.multi()
    .hset(releasesKey(r, app), String(version), JSON.stringify(rel))
    .hset(appKey(r, app), 'currentRelease', version);
  await publishAppChange(r, m, app).exec();
}

export async function setConfigVars(r: RedisHandle, app: AppName, vars: Record<string, string>): Promise<void> {
  if (Object.keys(vars).length) await r.client.hset(configKey(r, app), vars);
}

export async function unsetConfigVars(r: RedisHandle, app: AppName, keys: string[]): Promise<void> {
  if (keys.length) await r.client.hdel(configKey(r, app), ...keys);
}

const formationKey = (r: RedisHandle, app: string) => r.key('app', app, 'formation');
const resourcesKey = (r: RedisHandle, app: string) => r.key('app', app, 'resources');
const stoppedKey = (r: RedisHandle, app: string) => r.key('app', app, 'stopped');

/** Process type -> replica count, as last scaled; empty until the first scale. */
export async function getFormation(r: RedisHandle, app: AppName): Promise<Record<string, number>> {
  const h = await r.client.hgetall(formationKey(r, app));
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
}

export async function setFormation(r: RedisHandle, app: AppName, formation: Record<string, number>): Promise<void> {
  if (Object.keys(formation).length) await r.client.hset(formationKey(r, app), formation);
}

export interface ResourceLimits { memoryBytes?: number; cpus?: number }

export async function getResources(r: RedisHandle, app: AppName): Promise<Record<string, ResourceLimits>> {
  const h = await r.client.hgetall(resourcesKey(r, app));
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, JSON.parse(v) as ResourceLimits]));
}

export async function setResources(r: RedisHandle, app: AppName, type: string, limits: ResourceLimits): Promise<void> {
  await r.client.hset(resourcesKey(r, app), type, JSON.stringify(limits));
}

/** ps:stop marks an app stopped so a server restart does not bring it back. */
export async function setStopped(r: RedisHandle, app: AppName, stopped: boolean): Promise<void> {
  const m = stopped ? r.client.multi().set(stoppedKey(r, app), '1') : r.client.multi().del(stoppedKey(r, app));
  await publishAppChange(r, m, app).exec();
}

export async function isStopped(r: RedisHandle, app: AppName): Promise<boolean> {
  return (await r.client.exists(stoppedKey(r, app))) === 1;
}

/** Removes every key of the app (state, releases, builds, logs). */
export async function deleteAppState(r: RedisHandle, app: AppName): Promise<void> {
  const buildIds = await r.client.lrange(r.key('app', app, 'builds'), 0, -1);
  const keys: string[] = [];
  for (const pattern of [r.key('app', app), `${r.key('app', app)}:*`]) {
    let cursor = '0';
    do {
      const [next, found] = await r.client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
  }
  for (const id of buildIds) keys.push(r.key('build', id), r.key('build', id, 'log'), r.key('build', id, 'alive'));
  const m = r.client.multi().srem(appsKey(r), app);
  publishAppChange(r, m, app);
  for (let i = 0; i < keys.length; i += 500) m.del(...keys.slice(i, i + 500));
  await m.exec();
}

export async function replaceConfigVars(r: RedisHandle, app: AppName, vars: Record<string, string>): Promise<void> {
  const m = r.client.multi().del(configKey(r, app));
  if (Object.keys(vars).length) m.hset(configKey(r, app), vars);
  await m.exec();
}
