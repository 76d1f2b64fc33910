// Keeps a RouteTable equal to the Redis route table without polling: subscribe
// first, then load everything, then re-read one app per change message. A
// reconnect may have dropped messages, so it triggers one full reload.
import type { RedisHandle } from '../store/redis.js';
import { allRoutes, getRoute, watchRoutes, type RouteEntry } from '../store/routes.js';
import type { RouteTable } from './route-table.js';

export interface RouteSync {
  /** Re-reads one app from Redis; resolves once the table holds the result. */
  refresh(app: string): Promise<void>;
  close(): Promise<void>;
}

export async function startRouteSync(redis: RedisHandle, table: RouteTable, log: (line: string) => void): Promise<RouteSync> {
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
    if (!entry) return table.delete(app);
    const skipped = table.set(entry);
    if (skipped.length > 0) log(`router: ${app}: skipped malformed upstreams ${JSON.stringify(skipped)}`);
  };

  const refresh = async (app: string): Promise<void> => {
    const mine = ++ticket;
    const entry = await getRoute(redis, app);
    if (claim(app, mine)) store(app, entry);
  };
  const reloadAll = async (): Promise<void> => {
    const mine = ++ticket;
    const entries = await allRoutes(redis);
    const seen = new Set<string>();
    for (const entry of entries) {
      seen.add(entry.app);
      if (claim(entry.app, mine)) store(entry.app, entry);
    }
    for (const app of table.apps()) if (!seen.has(app) && claim(app, mine)) table.delete(app);
  };

  // A failed read keeps the last known routes: serving slightly stale
  // upstreams beats failing every request while Redis is away.
  const onChange = (app: string) => void refresh(app).catch((err: Error) => log(`router: reload of ${app} failed: ${err.message}`));
  const sub = await watchRoutes(redis, onChange);
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
    async close() {
      sub.removeAllListeners('ready');
      await sub.quit().catch(() => sub.disconnect());
    },
  };
}
