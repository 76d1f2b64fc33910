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

const eventsKey = (r: RedisHandle) => r.key('events');
type Entry = [id: string, fields: string[]];

const toEvent = ([id, fields]: Entry): AuditEvent => ({ id, ...(JSON.parse(fields[1] ?? '{}') as Omit<AuditEvent, 'id'>) });

export async function appendEvent(r: RedisHandle, event: NewAuditEvent, maxEvents: number): Promise<void> {
  await r.client.xadd(eventsKey(r), 'MAXLEN', '~', maxEvents, '*', 'e', JSON.stringify({ at: Date.now(), ...event }));
}

/** The newest `n` events (matching `keep`), oldest first. */
export async function readEvents(r: RedisHandle, n: number, keep: (e: AuditEvent) => boolean = () => true): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  let end = '+';
  while (out.length < n) {
    const page = (await r.client.xrevrange(eventsKey(r), end, '-', 'COUNT', 500)) as Entry[];
    for (const entry of page) {
      const e = toEvent(entry);
      if (keep(e)) out.push(e);
      if (out.length >= n) break;
    }
    if (page.length < 500) break;
    end = `(${page[page.length - 1]![0]}`;
  }
  return out.reverse();
}

/** Events appended from now on, until `signal` aborts. */
export async function* followEvents(r: RedisHandle, signal: AbortSignal): AsyncGenerator<AuditEvent> {
  const conn: Redis = r.duplicate();
  const stop = () => conn.disconnect();
  signal.addEventListener('abort', stop, { once: true });
  try {
    let cursor = '$';
    while (!signal.aborted) {
      const res = (await conn.xread('COUNT', 500, 'BLOCK', 15000, 'STREAMS', eventsKey(r), cursor).catch(pauseAfterError)) as [string, Entry[]][] | null;
      if (!res) continue;
      for (const [, entries] of res) {
        for (const entry of entries) {
          cursor = entry[0];
          yield toEvent(entry);
        }
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    conn.disconnect();
  }
}
