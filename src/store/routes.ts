// The route table: app -> healthy web upstreams. The scheduler writes it, the
// router reads it and hears changes over pub/sub, so the router never calls
// Docker and several routers can share one table.
import type { Redis } from 'ioredis';
import type { RedisHandle } from './redis.js';

export interface RouteEntry {
  readonly app: string;
  /** `host:port` of each healthy web container. Empty means: app is down. */
  readonly upstreams: readonly string[];
  readonly release: string;
  readonly updatedAt: number;
}

export const routesKey = (r: RedisHandle) => r.key('routes');
export const routesChannel = (r: RedisHandle) => r.key('routes', 'changed');

export async function setRoute(r: RedisHandle, entry: Omit<RouteEntry, 'updatedAt'>): Promise<void> {
  const value: RouteEntry = { ...entry, updatedAt: Date.now() };
  await r.client.multi().hset(routesKey(r), entry.app, JSON.stringify(value)).publish(routesChannel(r), entry.app).exec();
}

export async function deleteRoute(r: RedisHandle, app: string): Promise<void> {
  await r.client.multi().hdel(routesKey(r), app).publish(routesChannel(r), app).exec();
}

export async function getRoute(r: RedisHandle, app: string): Promise<RouteEntry | undefined> {
  const raw = await r.client.hget(routesKey(r), app);
  return raw ? (JSON.parse(raw) as RouteEntry) : undefined;
}

export async function allRoutes(r: RedisHandle): Promise<RouteEntry[]> {
  const all = await r.client.hgetall(routesKey(r));
  return Object.values(all).map((v) => JSON.parse(v) as RouteEntry);
}

/**
 * Calls `onChange(app)` for every route change. Subscribe before the first
 * full load, so a change between load and subscribe is never missed.
 */
export async function watchRoutes(r: RedisHandle, onChange: (app: string) => void): Promise<Redis> {
  const sub = r.duplicate();
  sub.on('message', (_channel: string, app: string) => onChange(app));
  await sub.subscribe(routesChannel(r));
  return sub;
}
