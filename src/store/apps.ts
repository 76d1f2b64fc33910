// Apps and their releases. A release is written once and only its status
// moves (pending -> live | failed), so history stays trustworthy.
import type { AppName } from '../shared/app-name.js';
import type { AppRecord, Release, ReleaseStatus } from '../shared/types.js';
import type { RedisHandle } from './redis.js';
import type { SecretBox } from './secrets.js';
import { publishAppChange } from './app-events.js';

const appKey = (r: RedisHandle, app: string) => r.key('app', app);
const releasesKey = (r: RedisHandle, app: string) => r.key('app', app, 'releases');
const seqKey = (r: RedisHandle, app: string) => r.key('app', app, 'release-seq');
const configKey = (r: RedisHandle, app: string) => r.key('app', app, 'config');
const appsKey = (r: RedisHandle) => r.key('apps');

// Config values go through the SecretBox both ways, in the live config and
// in every release record; the additional data ties a value to its app and name.
function box(r: RedisHandle): SecretBox {
  if (!r.secrets) throw new Error('this Redis handle has no secrets keyring (router-only processes cannot read config)');
  return r.secrets;
}
const aad = (app: string, key: string) => `${app}/${key}`;
const sealVars = (r: RedisHandle, app: string, vars: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, box(r).encrypt(v, aad(app, k))]));
const openVars = (r: RedisHandle, app: string, vars: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, box(r).decrypt(v, aad(app, k))]));
const releaseJson = (r: RedisHandle, rel: Release) => JSON.stringify({ ...rel, config: sealVars(r, rel.app, rel.config) });
function parseRelease(r: RedisHandle, raw: string): Release {
  const rel = JSON.parse(raw) as Release;
  return { ...rel, config: openVars(r, rel.app, rel.config ?? {}) };
}

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
  return openVars(r, app, await r.client.hgetall(configKey(r, app)));
}

export async function nextReleaseVersion(r: RedisHandle, app: AppName): Promise<number> {
  return r.client.incr(seqKey(r, app));
}

export async function saveRelease(r: RedisHandle, release: Release): Promise<void> {
  await r.client.hset(releasesKey(r, release.app), String(release.version), releaseJson(r, release));
}

export async function getRelease(r: RedisHandle, app: AppName, version: number): Promise<Release | undefined> {
  const raw = await r.client.hget(releasesKey(r, app), String(version));
  return raw ? parseRelease(r, raw) : undefined;
}

export async function listReleases(r: RedisHandle, app: AppName): Promise<Release[]> {
  const all = await r.client.hvals(releasesKey(r, app));
  return all.map((v) => parseRelease(r, v)).sort((a, b) => b.version - a.version);
}

export async function setReleaseStatus(r: RedisHandle, app: AppName, version: number, status: ReleaseStatus): Promise<void> {
  const rel = await getRelease(r, app, version);
  if (!rel) return;
  rel.status = status;
  await saveRelease(r, rel);
}

/** Marks a release that went live as failed, saying why (the watch after go-live). */
export async function failLiveRelease(r: RedisHandle, app: AppName, version: number, failure: NonNullable<Release['failure']>): Promise<void> {
  const rel = await getRelease(r, app, version);
  if (!rel) return;
  rel.status = 'failed';
  rel.failure = failure;
  await saveRelease(r, rel);
}

/** Marks `version` live and makes it the app's current release, atomically. */
export async function promoteRelease(r: RedisHandle, app: AppName, version: number): Promise<void> {
  const rel = await getRelease(r, app, version);
  if (!rel) throw new Error(`release v${version} of ${app} is missing`);
  rel.status = 'live';
  const m = r.client.multi()
    .hset(releasesKey(r, app), String(version), releaseJson(r, rel))
    .hset(appKey(r, app), 'currentRelease', version);
  await publishAppChange(r, m, app).exec();
}

export async function setConfigVars(r: RedisHandle, app: AppName, vars: Record<string, string>): Promise<void> {
  if (Object.keys(vars).length) await r.client.hset(configKey(r, app), sealVars(r, app, vars));
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
  if (Object.keys(vars).length) m.hset(configKey(r, app), sealVars(r, app, vars));
  await m.exec();
}

// HSET each field only if it still holds the value we read: a config:set
// racing a reseal keeps its new value.
const SWAP_IF_SAME = `local n = 0
for i = 1, #ARGV, 3 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2]); n = n + 1 end
end
return n`;

async function swapIfSame(r: RedisHandle, key: string, swaps: [field: string, old: string, next: string][]): Promise<number> {
  if (swaps.length === 0) return 0;
  return Number(await r.client.eval(SWAP_IF_SAME, 1, key, ...swaps.flat()));
}

/**
 * Re-seals every stored config value (live and in releases) with the current
 * key: migrates plaintext written before encryption (onlyPlain), or moves
 * everything to a new key after a rotation. Returns how many values moved.
 */
export async function resealAllConfig(r: RedisHandle, onlyPlain: boolean): Promise<number> {
  let count = 0;
  const current = `enc:v1:${box(r).currentKeyId()}:`;
  const stale = (v: string) => (onlyPlain ? !v.startsWith('enc:v1:') : !v.startsWith(current));
  for (const app of await listApps(r)) {
    const stored = await r.client.hgetall(configKey(r, app));
    count += await swapIfSame(r, configKey(r, app), Object.entries(stored).filter(([, v]) => stale(v))
      .map(([k, v]) => [k, v, box(r).encrypt(box(r).decrypt(v, aad(app, k)), aad(app, k))]));
    const releases = await r.client.hgetall(releasesKey(r, app));
    const swaps: [string, string, string][] = [];
    for (const [version, raw] of Object.entries(releases)) {
      const n = Object.values((JSON.parse(raw) as Release).config ?? {}).filter(stale).length;
      if (n === 0) continue;
      swaps.push([version, raw, releaseJson(r, parseRelease(r, raw))]);
      count += n;
    }
    await swapIfSame(r, releasesKey(r, app), swaps);
  }
  return count;
}

/** Asks Redis to rewrite its AOF, so values that were once stored in clear leave the disk too. */
export async function compactRedisLog(r: RedisHandle): Promise<void> {
  await r.client.bgrewriteaof().catch(() => {});
}
