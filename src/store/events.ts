// The audit log: one capped Redis stream of who did what, when, from where
// and with what result. Berth only ever appends to it; nothing in the API
// edits or deletes an entry.
import type { Redis } from 'ioredis';
import type { RedisHandle } from './redis.js';
import { pauseAfterError } from './redis-health.js';

export interface AuditEvent {
  readonly id: string;
  readonly at: number;
  /** The user, or '-' when the credential was not recognised. */
  readonly user: string;
  /** api, git-http, ssh, dashboard, server */
  readonly via: string;
  readonly source: string;
  /** namespace:verb, as the CLI names it (config:set, git:push, tokens:revoke, auth:failed, ...). */
  readonly action: string;
  readonly app?: string;
  /** Names only, never config values or secrets. */
  readonly detail?: string;
  readonly result: 'ok' | 'denied' | 'failed';
  readonly error?: string;
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'at'>;

// Changes (ok, failed) and refusals (denied) live in two capped streams, so
// that no volume of refused requests can evict the record of a change; a
// listing merges them by time.
const eventsKey = (r: RedisHandle) => r.key('events');
const deniedKey = (r: RedisHandle) => r.key('events', 'denied');
type Entry = [id: string, fields: string[]];

const toEvent = ([id, fields]: Entry): AuditEvent => ({ id, ...(JSON.parse(fields[1] ?? '{}') as Omit<AuditEvent, 'id'>) });

export interface AuditCaps { readonly auditMaxEvents: number; readonly auditMaxDenied: number }

export async function appendEvent(r: RedisHandle, event: NewAuditEvent, caps: AuditCaps): Promise<void> {
  const denied = event.result === 'denied';
  await r.client.xadd(denied ? deniedKey(r) : eventsKey(r), 'MAXLEN', '~', denied ? caps.auditMaxDenied : caps.auditMaxEvents,
    '*', 'e', JSON.stringify({ at: Date.now(), ...event }));
}

/** Stream ids are `<ms>-<seq>`: compared as numbers, not strings. */
function newer(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am !== bm ? am > bm : as > bs;
}

/** One stream's entries, newest first, a page at a time. */
async function* newestFirst(r: RedisHandle, key: string): AsyncGenerator<Entry> {
  let end = '+';
  for (;;) {
    const page = (await r.client.xrevrange(key, end, '-', 'COUNT', 500)) as Entry[];
    yield* page;
    if (page.length < 500) return;
    end = `(${page[page.length - 1]![0]}`;
  }
}

/** The newest `n` events of both streams (matching `keep`), oldest first. */
export async function readEvents(r: RedisHandle, n: number, keep: (e: AuditEvent) => boolean = () => true): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  const streams = [newestFirst(r, eventsKey(r)), newestFirst(r, deniedKey(r))];
  const heads = await Promise.all(streams.map((s) => s.next()));
  while (out.length < n) {
    let pick = -1;
    heads.forEach((h, i) => { if (!h.done && (pick < 0 || newer(h.value[0], (heads[pick]!.value as Entry)[0]))) pick = i; });
    if (pick < 0) break;
    const e = toEvent(heads[pick]!.value as Entry);
    if (keep(e)) out.push(e);
    heads[pick] = await streams[pick]!.next();
  }
  await Promise.all(streams.map((s) => s.return(undefined)));
  return out.reverse();
}

/** Events appended from now on, until `signal` aborts. */
export async function* followEvents(r: RedisHandle, signal: AbortSignal): AsyncGenerator<AuditEvent> {
  const conn: Redis = r.duplicate();
  const stop = () => conn.disconnect();
  signal.addEventListener('abort', stop, { once: true });
  try {
    const keys = [eventsKey(r), deniedKey(r)];
    const cursors = ['$', '$'];
    while (!signal.aborted) {
      const res = (await conn.xread('COUNT', 500, 'BLOCK', 15000, 'STREAMS', ...keys, ...cursors).catch(pauseAfterError)) as [string, Entry[]][] | null;
      if (!res) continue;
      for (const [key, entries] of res) {
        for (const entry of entries) {
          cursors[keys.indexOf(key)] = entry[0];
          yield toEvent(entry);
        }
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    conn.disconnect();
  }
}
