// A per-key lease in Redis: one build per app at a time, across workers.
// The token makes release safe: only the holder can drop its own lease.
import { randomBytes } from 'node:crypto';
import type { RedisHandle } from './redis.js';

export interface Lease {
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

const RELEASE_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** The Redis key of a lease, for writes that must not happen while it is held (routes.ts). */
export const leaseKey = (r: RedisHandle, name: string) => r.key('lock', name);

export async function tryLease(r: RedisHandle, name: string, ttlMs: number): Promise<Lease | undefined> {
  const key = leaseKey(r, name);
  const token = randomBytes(8).toString('hex');
  const ok = await r.client.set(key, token, 'PX', ttlMs, 'NX');
  if (ok !== 'OK') return undefined;
  return {
    renew: async () => (await r.client.eval(RENEW_IF_OWNER, 1, key, token, ttlMs)) === 1,
    release: async () => { await r.client.eval(RELEASE_IF_OWNER, 1, key, token); },
  };
}

/** The lease every deploy of an app holds (builds, config changes, scaling). */
export const appDeployLease = (app: string) => `deploy:${app}`;

export async function isLeased(r: RedisHandle, name: string): Promise<boolean> {
  return (await r.client.exists(leaseKey(r, name))) === 1;
}
