// One Redis follower per app however many clients tail its logs: five open
// dashboards cost one blocking XREAD connection, not five, and a line is read
// and parsed once. Each follower keeps a short ring of the newest entries
// (shared, not copied per client), so a client that reconnects with the last
// id it saw joins without a Redis read of its own; one that fell further
// behind than the ring gets its own follower (the caller's fallback).
import type { AppName } from '../../shared/app-name.js';
import { followAppLogEntries, readAppLogEntries, type AppLogEntry } from '../../store/app-logs.js';
import type { RedisHandle } from '../../store/redis.js';
import { newerId } from './stream-id.js';

/** Entries kept for joining clients: a few seconds at 1,000 lines a second. */
const RING = 4000;

export type Deliver = (entries: readonly AppLogEntry[]) => void;
interface Sub { readonly type?: string; readonly deliver: Deliver }

interface Tail {
  readonly subs: Set<Sub>;
  readonly ring: AppLogEntry[];
  /** Every entry after this id is in the ring (or still to come). */
  floor: string;
  readonly abort: AbortController;
}

const tails = new WeakMap<RedisHandle, Map<string, Promise<Tail>>>();
const matches = (e: AppLogEntry, type?: string) => !type || e.line.process === type || e.line.process.startsWith(`${type}.`);

function fanOut(tail: Tail, batch: AppLogEntry[]): void {
  tail.ring.push(...batch);
  if (tail.ring.length > RING * 1.25) tail.floor = tail.ring.splice(0, tail.ring.length - RING).at(-1)!.id;
  for (const sub of tail.subs) {
    const mine = sub.type ? batch.filter((e) => matches(e, sub.type)) : batch;
    if (mine.length) sub.deliver(mine);
  }
}

async function startTail(r: RedisHandle, app: AppName): Promise<Tail> {
  // Start at the stream's newest entry, so "every entry after floor" holds from the first moment.
  const newest = (await readAppLogEntries(r, app, 1))[0]?.id ?? '0-0';
  const tail: Tail = { subs: new Set(), ring: [], floor: newest, abort: new AbortController() };
  let pending: AppLogEntry[] = [];
  let scheduled = false;
  void (async () => {
    // The generator yields entry by entry; a batch is whatever one XREAD answered.
    for await (const e of followAppLogEntries(r, app, tail.abort.signal, undefined, newest)) {
      pending.push(e);
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => { scheduled = false; const b = pending; pending = []; fanOut(tail, b); });
      }
    }
  })().catch(() => undefined);
  return tail;
}

/**
 * Joins the app's shared follower: `deliver` gets, in batches, every entry
 * after `after` (of `type`, if given) until `signal` aborts. False when
 * `after` is older than the shared ring: the caller follows on its own then.
 */
export async function joinSharedTail(r: RedisHandle, app: AppName, after: string, type: string | undefined, deliver: Deliver, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return true;
  let byApp = tails.get(r);
  if (!byApp) tails.set(r, (byApp = new Map()));
  const started = byApp.get(app) ?? startTail(r, app);
  if (!byApp.has(app)) {
    byApp.set(app, started);
    started.catch(() => byApp!.delete(app));
  }
  const tail = await started;
  // The last client left while this one waited for the start: begin again.
  if (tail.abort.signal.aborted) return joinSharedTail(r, app, after, type, deliver, signal);
  if (newerId(tail.floor, after)) {
    if (!tail.subs.size) stop(byApp, app, started, tail);
    return false;
  }
  const sub: Sub = { type, deliver };
  const missed = tail.ring.filter((e) => newerId(e.id, after) && matches(e, type));
  if (missed.length) deliver(missed);
  tail.subs.add(sub);
  signal.addEventListener('abort', () => {
    tail.subs.delete(sub);
    if (!tail.subs.size) stop(byApp!, app, started, tail);
  }, { once: true });
  return true;
}

function stop(byApp: Map<string, Promise<Tail>>, app: string, started: Promise<Tail>, tail: Tail): void {
  tail.abort.abort();
  if (byApp.get(app) === started) byApp.delete(app);
}
