// Fixed-window counters in Redis, shared by every Berth process: how many
// failed sign-ins a source address made in the current window.
import type { RedisHandle } from './redis.js';

const windowKey = (r: RedisHandle, name: string, source: string, windowMs: number) =>
  r.key('ratelimit', name, source, String(Math.floor(Date.now() / windowMs)));

export async function countHits(r: RedisHandle, name: string, source: string, windowMs: number): Promise<number> {
  return Number((await r.client.get(windowKey(r, name, source, windowMs))) ?? 0);
}

export async function addHit(r: RedisHandle, name: string, source: string, windowMs: number): Promise<number> {
  const key = windowKey(r, name, source, windowMs);
  const [[, n]] = (await r.client.multi().incr(key).pexpire(key, windowMs * 2).exec()) as [[null, number], unknown];
  return n;
}
