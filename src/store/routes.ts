// The router's state in Redis. The route table (app -> healthy web upstreams)
// is written by the scheduler; custom domains (domains.ts) and certificates
// (certs.ts) by the API. Routers read it all once and then hear every change
// over one pub/sub channel, so they never call Docker and several routers
// can share one table. Routers write back per-app traffic metrics.
import type { Redis } from 'ioredis';
import { leaseKey } from './locks.js';
import type { RedisHandle } from './redis.js';

export interface RouteEntry {
  readonly app: string;
  /** `host:port` of each healthy web container. Empty means: app is down. */
  readonly upstreams: readonly string[];
  readonly release: string;
  readonly updatedAt: number;
  /**
   * The replaced release's web upstreams, kept running through the watch
   * after go-live: the router falls back to them while `upstreams` has none
   * that answers, so a release that crashes costs no requests while it is
   * rolled back. Stored in a field of its own: a writer that leaves it out
   * (the supervisors' follow-ups) keeps it; an empty list removes it.
   */
  readonly standby?: readonly string[];
}

/** What changed, as published on the router channel. */
export type RouterChange =
  | { readonly kind: 'route'; readonly app: string }
  | { readonly kind: 'domains' }
  | { readonly kind: 'certs' };

export const routesKey = (r: RedisHandle) => r.key('routes');
export const routesChannel = (r: RedisHandle) => r.key('routes', 'changed');
/** The standby's field in the routes hash: beside the app's own, so one HMGET reads both (an app name has no ':'). */
export const standbyField = (app: string) => `${app}:standby`;

// Route messages stay a bare app name (the format since v1); other kinds use
// a prefix an app name cannot have.
const encode = (c: RouterChange) => (c.kind === 'route' ? c.app : `:${c.kind}`);
const decode = (m: string): RouterChange | undefined =>
  m === ':domains' ? { kind: 'domains' } : m === ':certs' ? { kind: 'certs' } : m.startsWith(':') ? undefined : { kind: 'route', app: m };

/** Queues a change message on a MULTI, so state and message land together. */
export function publishChange(r: RedisHandle, multi: ReturnType<Redis['multi']>, change: RouterChange) {
  return multi.publish(routesChannel(r), encode(change));
}

/** The stored route value (standby apart) and what to do with the standby: keep, remove ('') or set (JSON). */
function split(entry: Omit<RouteEntry, 'updatedAt'>): { value: string; standby: string | undefined } {
  const { standby, ...live } = entry;
  const value = JSON.stringify({ ...live, updatedAt: Date.now() });
  return { value, standby: standby === undefined ? undefined : standby.length ? JSON.stringify(standby) : '' };
}

export async function setRoute(r: RedisHandle, entry: Omit<RouteEntry, 'updatedAt'>): Promise<void> {
  const { value, standby } = split(entry);
  const m = r.client.multi().hset(routesKey(r), entry.app, value);
  if (standby === '') m.hdel(routesKey(r), standbyField(entry.app));
  else if (standby !== undefined) m.hset(routesKey(r), standbyField(entry.app), standby);
  await publishChange(r, m, { kind: 'route', app: entry.app }).exec();
}

// Check and write in one step: a deploy that takes the lease after a check
// done in node would otherwise have its fresh route overwritten by this one.
const SET_UNLESS_LEASED = `if redis.call('exists', KEYS[1]) == 1 then return 0 end
redis.call('hset', KEYS[2], ARGV[1], ARGV[2])
redis.call('publish', KEYS[3], ARGV[1])
return 1`;

/**
 * setRoute, unless the lease named `leaseName` is held (a deploy is
 * switching this route itself). For writers outside a deploy, such as the
 * supervisor. Resolves false when it did not write.
 */
export async function setRouteUnlessLeased(r: RedisHandle, entry: Omit<RouteEntry, 'updatedAt'>, leaseName: string): Promise<boolean> {
  const value: RouteEntry = { ...entry, updatedAt: Date.now() };
  const wrote = await r.client.eval(SET_UNLESS_LEASED, 3, leaseKey(r, leaseName), routesKey(r), routesChannel(r), entry.app, JSON.stringify(value));
  return wrote === 1;
}

// ARGV[4]: '-' keeps the standby (field ARGV[3]), '' removes it, anything else is its new value.
const SET_IF_PRESENT = `if redis.call('hexists', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
if ARGV[4] == '' then redis.call('hdel', KEYS[1], ARGV[3]) elseif ARGV[4] ~= '-' then redis.call('hset', KEYS[1], ARGV[3], ARGV[4]) end
redis.call('publish', KEYS[2], ARGV[1])
return 1`;

/**
 * setRoute for a route that exists: a follower of what runs (the swarm
 * supervisor) must not bring back the route of an app destroyed between
 * its look and its write. Resolves false when it did not write.
 */
export async function updateRoute(r: RedisHandle, entry: Omit<RouteEntry, 'updatedAt'>): Promise<boolean> {
  const { value, standby } = split(entry);
  return (await r.client.eval(SET_IF_PRESENT, 2, routesKey(r), routesChannel(r), entry.app, value, standbyField(entry.app), standby ?? '-')) === 1;
}

export async function deleteRoute(r: RedisHandle, app: string): Promise<void> {
  await publishChange(r, r.client.multi().hdel(routesKey(r), app, standbyField(app)), { kind: 'route', app }).exec();
}

const withStandby = (raw: string, standby: string | null | undefined): RouteEntry =>
  standby ? { ...(JSON.parse(raw) as RouteEntry), standby: JSON.parse(standby) as string[] } : (JSON.parse(raw) as RouteEntry);

export async function getRoute(r: RedisHandle, app: string): Promise<RouteEntry | undefined> {
  const [raw, standby] = await r.client.hmget(routesKey(r), app, standbyField(app));
  return raw ? withStandby(raw, standby) : undefined;
}

export async function allRoutes(r: RedisHandle): Promise<RouteEntry[]> {
  const all = await r.client.hgetall(routesKey(r));
  return Object.entries(all).filter(([field]) => !field.includes(':')).map(([app, v]) => withStandby(v, all[standbyField(app)]));
}

/**
 * Calls `onChange` for every change of router state. Subscribe before the
 * first full load, so a change between load and subscribe is never missed.
 */
export async function watchRouterState(r: RedisHandle, onChange: (change: RouterChange) => void): Promise<Redis> {
  const sub = r.duplicate();
  sub.on('message', (_channel: string, message: string) => {
    const change = decode(message);
    if (change) onChange(change);
  });
  await sub.subscribe(routesChannel(r));
  return sub;
}

// ---- Draining: work still in flight on upstreams that left the route ------

const drainKey = (r: RedisHandle, upstream: string) => r.key('drain', upstream);

/** A router reports how many requests/websockets it still has on a retired upstream (0: done). */
export async function reportDraining(r: RedisHandle, routerId: string, upstream: string, inFlight: number): Promise<void> {
  const key = drainKey(r, upstream);
  // The expiry covers a router that dies mid-drain.
  if (inFlight > 0) await r.client.multi().hset(key, routerId, inFlight).pexpire(key, 120_000).exec();
  else await r.client.hdel(key, routerId);
}

/**
 * After a route switch: waits until no router has work in flight on these
 * upstreams, or `timeoutMs`. `graceMs` first lets every router hear the
 * switch (measured: well under 100 ms) and report what it still has.
 */
export async function waitForDrain(
  r: RedisHandle, upstreams: readonly string[], opts: { graceMs?: number; timeoutMs: number; pollMs?: number },
): Promise<{ drained: boolean; waitedMs: number }> {
  const started = Date.now();
  const { setTimeout: sleep } = await import('node:timers/promises');
  await sleep(Math.min(opts.graceMs ?? 250, opts.timeoutMs));
  for (;;) {
    const busy = upstreams.length ? await r.client.exists(...upstreams.map((u) => drainKey(r, u))) : 0;
    const waitedMs = Date.now() - started;
    if (busy === 0) return { drained: true, waitedMs };
    if (waitedMs >= opts.timeoutMs) return { drained: false, waitedMs };
    await sleep(Math.min(opts.pollMs ?? 100, opts.timeoutMs - waitedMs));
  }
}

// ---- Traffic metrics, summed over every router ----------------------------

/** Upper bounds (seconds) of the latency histogram, as Prometheus `le`. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

/** One router's counts for one app since its last flush. */
export interface AppTraffic {
  /** Keys `1xx` .. `5xx`. */
  readonly statuses: Record<string, number>;
  bytesIn: number;
  bytesOut: number;
  /** Per LATENCY_BUCKETS index, then one more for +Inf; not cumulative. */
  readonly buckets: number[];
  latencySumSec: number;
  count: number;
}

export const emptyTraffic = (): AppTraffic =>
  ({ statuses: {}, bytesIn: 0, bytesOut: 0, buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0), latencySumSec: 0, count: 0 });

const metricsKey = (r: RedisHandle, app: string) => r.key('metrics', 'app', app);
const metricsIndex = (r: RedisHandle) => r.key('metrics', 'apps');
/** One hash per app per minute (the dashboard's charts), gone after SERIES_KEEP_MIN. */
const minuteKey = (r: RedisHandle, app: string, minute: number) => r.key('metrics', 'app', app, 'min', String(minute));
/** Requests per minute of one app (field: minute number), for the apps page's sparklines: one HMGET per app. */
const rpmKey = (r: RedisHandle, app: string) => r.key('metrics', 'app', app, 'rpm');
export const SERIES_KEEP_MIN = 120;
export const minuteOf = (ms: number) => Math.floor(ms / 60_000);

export async function addTraffic(r: RedisHandle, batch: ReadonlyMap<string, AppTraffic>, now = Date.now()): Promise<void> {
  if (batch.size === 0) return;
  const m = r.client.multi();
  const minute = minuteOf(now);
  for (const [app, t] of batch) {
    // Same fields into the running totals and this minute's bucket: a few
    // more commands in the once-a-second flush, nothing per request.
    for (const key of [metricsKey(r, app), minuteKey(r, app, minute)]) {
      for (const [cls, n] of Object.entries(t.statuses)) m.hincrby(key, `status_${cls}`, n);
      m.hincrby(key, 'bytes_in', t.bytesIn).hincrby(key, 'bytes_out', t.bytesOut).hincrby(key, 'count', t.count);
      m.hincrbyfloat(key, 'latency_sum', t.latencySumSec);
      t.buckets.forEach((n, i) => { if (n) m.hincrby(key, `bucket_${i}`, n); });
    }
    m.sadd(metricsIndex(r), app);
    m.expire(minuteKey(r, app, minute), SERIES_KEEP_MIN * 60);
    m.hincrby(rpmKey(r, app), String(minute), t.count).expire(rpmKey(r, app), SERIES_KEEP_MIN * 60);
    // Minutes out of the window go, a few at a time, so the hash stays small.
    m.hdel(rpmKey(r, app), String(minute - SERIES_KEEP_MIN), String(minute - SERIES_KEEP_MIN - 1), String(minute - SERIES_KEEP_MIN - 2));
  }
  await m.exec();
}

/** One minute of one app's traffic; buckets per LATENCY_BUCKETS index (+Inf last), not cumulative. */
export interface MinuteTraffic {
  /** Start of the minute, ms since the epoch. */
  readonly at: number;
  readonly statuses: Record<string, number>;
  readonly buckets: number[];
  readonly count: number;
  readonly latencySumSec: number;
}

/** The last `minutes` minutes up to now, oldest first; quiet minutes are zeros. */
export async function readTrafficSeries(r: RedisHandle, app: string, minutes: number, now = Date.now()): Promise<MinuteTraffic[]> {
  const last = minuteOf(now);
  const p = r.client.pipeline();
  for (let i = minutes - 1; i >= 0; i--) p.hgetall(minuteKey(r, app, last - i));
  const rows = (await p.exec()) ?? [];
  return rows.map(([, h], i) => {
    const f = (h ?? {}) as Record<string, string>;
    const n = (k: string) => Number(f[k] ?? 0);
    const statuses: Record<string, number> = {};
    for (const cls of ['1xx', '2xx', '3xx', '4xx', '5xx']) statuses[cls] = n(`status_${cls}`);
    const buckets = Array.from({ length: LATENCY_BUCKETS.length + 1 }, (_, b) => n(`bucket_${b}`));
    return { at: (last - minutes + 1 + i) * 60_000, statuses, buckets, count: n('count'), latencySumSec: n('latency_sum') };
  });
}

/** Requests per minute of many apps over the last `minutes` (sparklines), oldest first. */
export async function readRequestCounts(r: RedisHandle, apps: readonly string[], minutes: number, now = Date.now()): Promise<Map<string, number[]>> {
  const last = minuteOf(now);
  const fields = Array.from({ length: minutes }, (_, i) => String(last - minutes + 1 + i));
  const p = r.client.pipeline();
  for (const app of apps) p.hmget(rpmKey(r, app), ...fields);
  const rows = (await p.exec()) ?? [];
  const out = new Map<string, number[]>();
  apps.forEach((app, a) => out.set(app, ((rows[a]?.[1] ?? []) as (string | null)[]).map((v) => Number(v ?? 0))));
  return out;
}

/** Totals per app since metrics began, with cumulative histogram buckets. */
export interface AppMetrics {
  readonly app: string;
  readonly statuses: Record<string, number>;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Cumulative counts per LATENCY_BUCKETS entry. */
  readonly buckets: number[];
  readonly latencySumSec: number;
  readonly count: number;
}

export async function readTraffic(r: RedisHandle, only?: string): Promise<AppMetrics[]> {
  const apps = only ? [only] : (await r.client.smembers(metricsIndex(r))).sort();
  const out: AppMetrics[] = [];
  for (const app of apps) {
    const h = await r.client.hgetall(metricsKey(r, app));
    if (!h.count) continue;
    const n = (k: string) => Number(h[k] ?? 0);
    const statuses: Record<string, number> = {};
    for (const cls of ['1xx', '2xx', '3xx', '4xx', '5xx']) statuses[cls] = n(`status_${cls}`);
    let running = 0;
    const buckets = LATENCY_BUCKETS.map((_, i) => (running += n(`bucket_${i}`)));
    out.push({ app, statuses, bytesIn: n('bytes_in'), bytesOut: n('bytes_out'), buckets, latencySumSec: n('latency_sum'), count: n('count') });
  }
  return out;
}

export async function deleteTraffic(r: RedisHandle, app: string, now = Date.now()): Promise<void> {
  const last = minuteOf(now);
  const minutes = Array.from({ length: SERIES_KEEP_MIN + 1 }, (_, i) => minuteKey(r, app, last - i));
  await r.client.multi().del(metricsKey(r, app), rpmKey(r, app), ...minutes).srem(metricsIndex(r), app).exec();
}

// ---- A connection for router cluster workers -------------------------------

/**
 * A handle on an already running Redis (the primary's, embedded or not), for
 * router cluster workers: they must share it, never start their own.
 */
/** `secrets`: the keyring for sealed TLS keys (a router worker reads certificates). */
export async function attachRedis(options: RedisHandle['options'], prefix: string, secrets?: RedisHandle['secrets']): Promise<RedisHandle> {
  const { Redis: RedisClient } = await import('ioredis');
  const client = new RedisClient(options);
  await client.ping();
  const opened = [client];
  return {
    client, prefix, options, secrets,
    key: (...parts) => prefix + parts.join(':'),
    duplicate() {
      const c = new RedisClient(options);
      opened.push(c);
      return c;
    },
    async close() {
      await Promise.all(opened.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
