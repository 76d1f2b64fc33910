// Fixed-window counters in Redis, shared by every Berth process: failed
// sign-ins per source address, API requests per credential.
import type { RedisHandle } from './redis.js';

const windowKey = (r: RedisHandle, name: string, source: string, windowMs: number) =>
  r.key('ratelimit', name, source, String(Math.floor(Date.now() / windowMs)));

export async function countHits(r: RedisHandle, name: string, source: string, windowMs: number): Promise<number> {
  return Number((await r.client.get(windowKey(r, name, source, windowMs))) ?? 0);
}

async function incr(r: RedisHandle, key: string, windowMs: number): Promise<number> {
  const [[, n]] = (await r.client.multi().incr(key).pexpire(key, windowMs * 2).exec()) as [[null, number], unknown];
  return n;
}

export async function addHit(r: RedisHandle, name: string, source: string, windowMs: number): Promise<number> {
  return incr(r, windowKey(r, name, source, windowMs), windowMs);
}

/** Milliseconds until the current window ends. */
export const windowLeftMs = (windowMs: number) => windowMs - (Date.now() % windowMs);
