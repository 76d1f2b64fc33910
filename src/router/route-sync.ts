// Keeps the router's in-memory state equal to Redis without polling:
// subscribe first, then load everything, then re-read what each change
// message names (one app's route, or the small domains/TLS tables). A
// reconnect may have dropped messages, so it triggers one full reload.
import type { RedisHandle } from '../store/redis.js';
import { allDomains } from '../store/domains.js';
import { allRoutes, getRoute, watchRouterState, type RouteEntry, type RouterChange } from '../store/routes.js';
import type { HostnameTable } from './hostnames.js';
import type { RouteTable, Upstream } from './route-table.js';

export interface SyncTargets {
  readonly table: RouteTable;
  readonly hostnames: HostnameTable;
  /** Upstreams that left an app's route (a redeploy or a scale-down). */
  onRemoved(app: string, upstreams: Upstream[]): void;
  /** Certificates, TLS settings or the names they apply to changed. */
  reloadTls(): Promise<void>;
  /** Every change, after it is applied (for the propagation benchmark and tests). */
  onApplied?(change: RouterChange): void;
}

export interface RouteSync {
  /** Re-reads one app from Redis; resolves once the table holds the result. */
  refresh(app: string): Promise<void>;
  /** Re-reads domains and TLS state. */
  refreshAll(): Promise<void>;
  close(): Promise<void>;
}

export async function startRouteSync(redis: RedisHandle, t: SyncTargets, log: (line: string) => void): Promise<RouteSync> {
  // Reads can overlap (a change message during a full reload), so each read
  // takes a ticket and only the newest read of an app may write it.
  let ticket = 0;
  const appliedTicket = new Map<string, number>();
  const claim = (app: string, mine: number): boolean => {
    if ((appliedTicket.get(app) ?? 0) > mine) return false;
    appliedTicket.set(app, mine);
    return true;
  };
  const store = (app: string, entry: RouteEntry | undefined): void => {
    if (!entry) {
      const removed = t.table.delete(app);
      if (removed.length) t.onRemoved(app, removed);
      return;
    }
    const { skipped, removed } = t.table.set(entry);
    if (skipped.length > 0) log(`router: ${app}: skipped malformed upstreams ${JSON.stringify(skipped)}`);
    if (removed.length > 0) t.onRemoved(app, removed);
  };

  const refresh = async (app: string): Promise<void> => {
    const mine = ++ticket;
    const entry = await getRoute(redis, app);
    if (claim(app, mine)) store(app, entry);
  };
  const refreshNames = async (): Promise<void> => {
    t.hostnames.load(await allDomains(redis));
    await t.reloadTls();
  };
  const reloadAll = async (): Promise<void> => {
    const mine = ++ticket;
    const entries = await allRoutes(redis);
    const seen = new Set<string>();
    for (const entry of entries) {
      seen.add(entry.app);
      if (claim(entry.app, mine)) store(entry.app, entry);
    }
    for (const app of t.table.apps()) if (!seen.has(app) && claim(app, mine)) store(app, undefined);
    await refreshNames();
  };

  // A failed read keeps the last known state: serving slightly stale
  // upstreams beats failing every request while Redis is away.
  const apply = async (change: RouterChange): Promise<void> => {
    if (change.kind === 'route') await refresh(change.app);
    else if (change.kind === 'domains') await refreshNames();
    else await t.reloadTls();
    t.onApplied?.(change);
  };
  const onChange = (change: RouterChange) => void apply(change).catch((err: Error) => log(`router: reload after ${change.kind} change failed: ${err.message}`));
  const sub = await watchRouterState(redis, onChange);
  try {
    await reloadAll();
  } catch (err) {
    await sub.quit().catch(() => sub.disconnect());
    throw err;
  }
  sub.on('ready', () => void reloadAll().catch((err: Error) => log(`router: full reload failed: ${err.message}`)));
  sub.on('error', (err: Error) => log(`router: route subscription: ${err.message}`));

  return {
    refresh,
    refreshAll: refreshNames,
    async close() {
      sub.removeAllListeners('ready');
      await sub.quit().catch(() => sub.disconnect());
    },
  };
}
