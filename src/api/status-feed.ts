// The live app states behind GET /status/stream, computed once and fanned
// out: however many dashboards are open, there is one Redis subscription for
// app/route changes, one snapshot per view (every app, or one app) each time
// something changes, and one JSON text sent to each client. A client that
// joins an open view gets its last snapshot at once, and a fresh one soon.
import type { Redis } from 'ioredis';
import { appsStatus } from '../ops/apps/status.js';
import type { OpsDeps } from '../ops/deps.js';
import { watchAppChanges } from '../store/app-events.js';
import type { SseStream } from './sse.js';

/** Minimum gap between two snapshots of one view; also the catch-all poll for crashes. */
const COALESCE_MS = 250;
const RESCAN_MS = 5000;

interface View {
  readonly only?: string;
  /** A token scoped to some apps sees only those (shared/access.ts readableApps). */
  readonly within?: ReadonlySet<string>;
  readonly clients: Set<SseStream>;
  last: string;
  timer?: NodeJS.Timeout;
  busy: boolean;
  rescan?: NodeJS.Timeout;
}
interface Hub { readonly views: Map<string, Promise<View>>; watch?: Promise<Redis> }

const hubs = new WeakMap<OpsDeps['redis'], Hub>();

async function snapshot(view: Pick<View, 'only' | 'within'>, deps: OpsDeps): Promise<string> {
  const apps = await appsStatus({ app: view.only }, deps);
  return JSON.stringify({ apps: view.within ? apps.filter((a) => view.within!.has(a.name)) : apps });
}

async function refresh(view: View, deps: OpsDeps): Promise<void> {
  view.timer = undefined;
  if (view.busy || !view.clients.size) return;
  view.busy = true;
  try {
    const text = await snapshot(view, deps);
    if (text !== view.last) { view.last = text; for (const c of view.clients) c.sendText(text, 'apps'); }
  } catch (err) {
    for (const c of view.clients) c.send({ message: (err as Error).message }, 'error');
  } finally { view.busy = false; }
}

const soon = (view: View, deps: OpsDeps) => { if (!view.timer) view.timer = setTimeout(() => void refresh(view, deps), COALESCE_MS); };

function hubOf(deps: OpsDeps): Hub {
  let hub = hubs.get(deps.redis);
  if (!hub) hubs.set(deps.redis, (hub = { views: new Map() }));
  if (!hub.watch) {
    const h = hub;
    h.watch = watchAppChanges(deps.redis, (app) => {
      for (const v of h.views.values()) void v.then((view) => { if ((!view.only || view.only === app) && (!view.within || view.within.has(app))) soon(view, deps); });
    });
    h.watch.catch(() => { h.watch = undefined; });
  }
  return hub;
}

async function openView(only: string | undefined, within: ReadonlySet<string> | undefined, deps: OpsDeps): Promise<View> {
  // The first snapshot is taken before any stream opens, so an unknown app is a plain 404.
  const last = await snapshot({ only, within }, deps);
  const view: View = { only, within, clients: new Set(), last, busy: false };
  view.rescan = setInterval(() => soon(view, deps), RESCAN_MS);
  return view;
}

/** The view's current snapshot, first computing it if no client has it open (errors are thrown here). */
export async function statusView(only: string | undefined, within: ReadonlySet<string> | undefined, deps: OpsDeps): Promise<{ last: string; join(sse: SseStream): void }> {
  const hub = hubOf(deps);
  // Views are shared by everyone who may see the same apps.
  const key = `${only ?? ''}|${within ? [...within].sort().join(',') : '*'}`;
  let opening = hub.views.get(key);
  const fresh = !opening;
  if (!opening) {
    opening = openView(only, within, deps);
    hub.views.set(key, opening);
    opening.catch(() => { if (hub.views.get(key) === opening) hub.views.delete(key); });
  }
  const view = await opening;
  if (!fresh) soon(view, deps);
  return {
    last: view.last,
    join(sse) {
      view.clients.add(sse);
      sse.signal.addEventListener('abort', () => {
        view.clients.delete(sse);
        if (view.clients.size) return;
        clearInterval(view.rescan);
        if (view.timer) clearTimeout(view.timer);
        if (hub.views.get(key) === opening) hub.views.delete(key);
        if (!hub.views.size) { const w = hub.watch; hub.watch = undefined; void w?.then((s) => s.disconnect()); }
      }, { once: true });
    },
  };
}
