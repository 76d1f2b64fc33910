// Custom domains: hostname (exact, or `*.example.com`) -> app. One hash for
// the router's lookups, one set per app for listing; every change is
// announced on the router channel, so routers reload the (small) hash.
import type { RedisHandle } from './redis.js';
import { publishChange } from './routes.js';

const domainsKey = (r: RedisHandle) => r.key('domains');
const appDomainsKey = (r: RedisHandle, app: string) => r.key('app', app, 'domains');

// Claims a hostname only if nobody (or the same app) holds it.
const CLAIM = `local owner = redis.call('hget', KEYS[1], ARGV[1])
if owner and owner ~= ARGV[2] then return owner end
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
redis.call('sadd', KEYS[2], ARGV[1])
return ARGV[2]`;

/** Adds the hostname to the app; returns the app that holds it afterwards. */
export async function addDomain(r: RedisHandle, app: string, hostname: string): Promise<string> {
  const owner = (await r.client.eval(CLAIM, 2, domainsKey(r), appDomainsKey(r, app), hostname, app)) as string;
  if (owner === app) await publishChange(r, r.client.multi(), { kind: 'domains' }).exec();
  return owner;
}

/** Removes the hostname from the app; false if the app did not have it. */
export async function removeDomain(r: RedisHandle, app: string, hostname: string): Promise<boolean> {
  if ((await r.client.hget(domainsKey(r), hostname)) !== app) return false;
  const m = r.client.multi().hdel(domainsKey(r), hostname).srem(appDomainsKey(r, app), hostname);
  await publishChange(r, m, { kind: 'domains' }).exec();
  return true;
}

export async function listDomains(r: RedisHandle, app: string): Promise<string[]> {
  return (await r.client.smembers(appDomainsKey(r, app))).sort();
}

/** Every hostname -> app, for the router. */
export async function allDomains(r: RedisHandle): Promise<Record<string, string>> {
  return r.client.hgetall(domainsKey(r));
}

export async function removeAllDomains(r: RedisHandle, app: string): Promise<void> {
  const hosts = await r.client.smembers(appDomainsKey(r, app));
  const m = r.client.multi().del(appDomainsKey(r, app));
  if (hosts.length) m.hdel(domainsKey(r), ...hosts);
  await publishChange(r, m, { kind: 'domains' }).exec();
}
