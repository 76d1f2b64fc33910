// Build workers announce themselves: each beats a record with a TTL, so a
// worker that died drops out by itself. A sorted set of names (scored by last
// beat) remembers the gone ones for a while, so `berth workers` can say
// "gone" instead of forgetting a worker that just vanished.
import type { RedisHandle } from './redis.js';

export interface WorkerBeat {
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  readonly concurrency: number;
  /** Builds running on this worker now. */
  readonly current: readonly string[];
  readonly startedAt: number;
}

export interface WorkerRecord extends WorkerBeat {
  readonly lastSeen: number;
  readonly state: 'up' | 'gone';
}

export const WORKER_BEAT_MS = 5_000;
export const WORKER_TTL_MS = 15_000;
/** A gone worker is listed for a day, then forgotten. */
const GONE_KEPT_MS = 86_400_000;

const workerKey = (r: RedisHandle, name: string) => r.key('worker', name);
const namesKey = (r: RedisHandle) => r.key('workers');

export async function beatWorker(r: RedisHandle, beat: WorkerBeat): Promise<void> {
  const now = Date.now();
  await r.client.multi()
    .set(workerKey(r, beat.name), JSON.stringify({ ...beat, lastSeen: now }), 'PX', WORKER_TTL_MS)
    .zadd(namesKey(r), now, beat.name)
    .exec();
}

/** A clean shutdown: the worker is gone at once rather than after its TTL. */
export async function retireWorker(r: RedisHandle, name: string): Promise<void> {
  await r.client.del(workerKey(r, name));
}

export async function listWorkers(r: RedisHandle): Promise<WorkerRecord[]> {
  const now = Date.now();
  await r.client.zremrangebyscore(namesKey(r), 0, now - GONE_KEPT_MS);
  const seen = await r.client.zrange(namesKey(r), 0, -1, 'WITHSCORES');
  const out: WorkerRecord[] = [];
  for (let i = 0; i < seen.length; i += 2) {
    const name = seen[i]!;
    const raw = await r.client.get(workerKey(r, name));
    if (raw) {
      out.push({ ...(JSON.parse(raw) as WorkerBeat & { lastSeen: number }), state: 'up' });
    } else {
      out.push({ name, host: '', pid: 0, concurrency: 0, current: [], startedAt: 0, lastSeen: Number(seen[i + 1]), state: 'gone' });
    }
  }
  return out.sort((a, b) => (a.state === b.state ? a.name.localeCompare(b.name) : a.state === 'up' ? -1 : 1));
}

/** Live workers other than `self`: then a pushed tree must travel through Redis to reach them. */
export async function hasOtherLiveWorkers(r: RedisHandle, self: string): Promise<boolean> {
  const names = await r.client.zrangebyscore(namesKey(r), Date.now() - WORKER_TTL_MS, '+inf');
  return names.some((n) => n !== self);
}
