// The router's in-memory copy of the Redis route table. Lookups happen on
// every request, so they never wait on Redis; route-sync.ts keeps this copy
// current. Each upstream carries its passive health: one that refused a
// connection is skipped for `ejectMs`, unless every upstream is. An app may
// have standby upstreams too (the replaced release, during the watch after
// go-live): they take traffic only while no live upstream can.
import type { RouteEntry } from '../store/routes.js';

export interface Upstream {
  /** `host:port`, the key in the route table and in logs. */
  readonly key: string;
  readonly host: string;
  readonly port: number;
  /** Requests and websockets in flight (least-connections input). */
  active: number;
  /** Epoch ms until which the upstream gets no new traffic. */
  ejectedUntil: number;
  /** Set once the upstream left its route: called when `active` drops to 0. */
  onIdle?: () => void;
}

/** Counts one request or websocket off an upstream. */
export function release(u: Upstream): void {
  if (--u.active === 0) u.onIdle?.();
}

export type Resolution =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'down'; readonly app: string }
  | { readonly kind: 'up'; readonly app: string; readonly route: Route };

export interface Route {
  readonly app: string;
  readonly upstreams: readonly Upstream[];
  /** The previous release's, picked only when no live upstream is healthy (store/routes.ts). */
  readonly standby: readonly Upstream[];
  /** Round-robin cursor; survives an entry update so load stays spread. */
  next: number;
}

const UPSTREAM = /^([0-9a-z.-]+|\[[0-9a-f:]+\]):(\d{1,5})$/i;

/** `host:port`, or undefined when the scheduler wrote something odd. */
function parseUpstream(key: string): Pick<Upstream, 'host' | 'port'> | undefined {
  const m = UPSTREAM.exec(key);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * Round robin over the healthy upstreams, skipping one with more requests in
 * flight than the next (a cheap least-connections tie-break that keeps a slow
 * replica from piling up work). `avoid` is the upstream a retry must not reuse.
 */
export function pickUpstream(route: Route, now: number, avoid?: Upstream): Upstream {
  const list = route.upstreams;
  const n = list.length;
  let fallback: Upstream | undefined;
  // Least busy first: a standby takes all of the app's traffic at once.
  const standby = () => route.standby.filter((u) => u !== avoid && u.ejectedUntil <= now)
    .reduce<Upstream | undefined>((best, u) => (best && best.active <= u.active ? best : u), undefined);
  for (let i = 0; i < n; i++) {
    const index = (route.next + i) % n;
    const u = list[index]!;
    if (u === avoid || u.ejectedUntil > now) { fallback ??= u === avoid ? fallback : u; continue; }
    const after = list[(index + 1) % n]!;
    const chosen = n > 1 && after !== avoid && after.ejectedUntil <= now && after.active < u.active ? after : u;
    route.next = (list.indexOf(chosen) + 1) % n;
    return chosen;
  }
  // No live upstream can take it (a crashed release): the standby can, if it is there.
  // Else everything is ejected (or is the one to avoid): try anyway rather than fail at once.
  return standby() ?? fallback ?? avoid ?? list[0] ?? route.standby[0]!;
}

export class RouteTable {
  readonly #routes = new Map<string, Route>();

  /** Stores an entry; returns the malformed upstreams skipped and the upstreams that left (or became standby). */
  set(entry: RouteEntry): { skipped: string[]; removed: Upstream[] } {
    const previous = this.#routes.get(entry.app);
    const before = [...(previous?.upstreams ?? []), ...(previous?.standby ?? [])];
    // An upstream that stays (live or standby, or moving between them) keeps its health and in-flight count.
    const skipped: string[] = [];
    const read = (keys: readonly string[], not: ReadonlySet<string>): Upstream[] => {
      const out: Upstream[] = [];
      for (const key of new Set(keys)) {
        if (not.has(key)) continue;
        const parsed = parseUpstream(key);
        if (!parsed) { skipped.push(key); continue; }
        out.push(before.find((u) => u.key === key) ?? { key, ...parsed, active: 0, ejectedUntil: 0 });
      }
      return out;
    };
    const upstreams = read(entry.upstreams, new Set());
    const standby = read(entry.standby ?? [], new Set(entry.upstreams));
    // Left the route, or went from live to standby: either way the release was switched away from,
    // so its websockets and in-flight work drain as at any switch (a standby only takes new requests).
    const live = new Set(upstreams.map((u) => u.key));
    const kept = new Set([...live, ...standby.map((u) => u.key)]);
    const removed = [
      ...(previous?.upstreams ?? []).filter((u) => !live.has(u.key)),
      ...(previous?.standby ?? []).filter((u) => !kept.has(u.key)),
    ];
    this.#routes.set(entry.app, { app: entry.app, upstreams, standby, next: previous?.next ?? 0 });
    return { skipped, removed };
  }

  /** Removes the app; returns its upstreams. */
  delete(app: string): Upstream[] {
    const route = this.#routes.get(app);
    this.#routes.delete(app);
    return [...(route?.upstreams ?? []), ...(route?.standby ?? [])];
  }

  apps(): string[] {
    return [...this.#routes.keys()];
  }

  has(app: string): boolean {
    return this.#routes.has(app);
  }

  resolve(app: string | undefined): Resolution {
    const route = app === undefined ? undefined : this.#routes.get(app);
    if (!route || app === undefined) return { kind: 'unknown' };
    if (route.upstreams.length === 0 && route.standby.length === 0) return { kind: 'down', app };
    return { kind: 'up', app, route };
  }
}
