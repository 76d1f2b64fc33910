// Backing services' state: one hash per service (kind, image, created, the
// generated password sealed with the config vars' SecretBox), a set of all
// names, and one hash per service of its links (app -> the config var it set).
// The password's additional data is `service/<name>/password`, so a sealed
// value cannot be moved to another service or into an app's config unnoticed.
import type { RedisHandle } from './redis.js';

export interface ServiceRecord {
  readonly name: string;
  readonly kind: string;
  readonly image: string;
  readonly createdAt: number;
  readonly password: string;
  /** JSON written by backups (svc-backup); absent until the first one. */
  readonly lastBackup?: string;
}

const serviceKey = (r: RedisHandle, name: string) => r.key('service', name);
const linksKey = (r: RedisHandle, name: string) => r.key('service', name, 'links');
const allKey = (r: RedisHandle) => r.key('services');
const aad = (name: string) => `service/${name}/password`;

function box(r: RedisHandle) {
  if (!r.secrets) throw new Error('this Redis handle has no secrets keyring (router-only processes cannot read services)');
  return r.secrets;
}

/** Records a new service; false when the name is taken (nothing is written then). */
export async function createServiceRecord(r: RedisHandle, rec: Omit<ServiceRecord, 'lastBackup'>): Promise<boolean> {
  const created = await r.client.hsetnx(serviceKey(r, rec.name), 'name', rec.name);
  if (!created) return false;
  await r.client.multi()
    .hset(serviceKey(r, rec.name), 'kind', rec.kind, 'image', rec.image, 'createdAt', rec.createdAt, 'password', box(r).encrypt(rec.password, aad(rec.name)))
    .sadd(allKey(r), rec.name)
    .exec();
  return true;
}

export async function getServiceRecord(r: RedisHandle, name: string): Promise<ServiceRecord | undefined> {
  const h = await r.client.hgetall(serviceKey(r, name));
  if (!h.name || !h.kind || !h.password) return undefined;
  return {
    name: h.name, kind: h.kind, image: h.image ?? '', createdAt: Number(h.createdAt ?? 0),
    password: box(r).decrypt(h.password, aad(name)),
    ...(h.lastBackup ? { lastBackup: h.lastBackup } : {}),
  };
}

export async function listServiceNames(r: RedisHandle): Promise<string[]> {
  return (await r.client.smembers(allKey(r))).sort();
}

export async function deleteServiceRecord(r: RedisHandle, name: string): Promise<void> {
  await r.client.multi().del(serviceKey(r, name), linksKey(r, name)).srem(allKey(r), name).exec();
}

/** Free-form fields other features keep on a service (svc-backup: lastBackup). */
export async function setServiceField(r: RedisHandle, name: string, field: 'lastBackup', value: string): Promise<void> {
  await r.client.hset(serviceKey(r, name), field, value);
}

/** App -> the config var its link set. */
export async function getServiceLinks(r: RedisHandle, name: string): Promise<Record<string, string>> {
  return r.client.hgetall(linksKey(r, name));
}

export async function setServiceLink(r: RedisHandle, name: string, app: string, envVar: string): Promise<void> {
  await r.client.hset(linksKey(r, name), app, envVar);
}

export async function removeServiceLink(r: RedisHandle, name: string, app: string): Promise<void> {
  await r.client.hdel(linksKey(r, name), app);
}
