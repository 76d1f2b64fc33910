// Runtime logs of an app: every container's output (and later the router's
// access lines) in one capped Redis stream per app, so `logs` shows them
// interleaved and they outlive the containers that wrote them.
import type { Redis } from 'ioredis';
import type { AppName } from '../shared/app-name.js';
import type { RedisHandle } from './redis.js';
import { pauseAfterError } from './redis-health.js';

export interface AppLogLine {
  /** ISO time the line was written. */
  readonly time: string;
  /** `web.1`, `worker.2`, `release`, `run.1234`, `router`. */
  readonly process: string;
  readonly line: string;
}

/** A line with its stream entry id, so a follower can resume after it. */
export interface AppLogEntry { readonly id: string; readonly line: AppLogLine }

const logKey = (r: RedisHandle, app: string) => r.key('app', app, 'logs');

export async function appendAppLog(r: RedisHandle, app: string, lines: AppLogLine[], maxLines: number): Promise<void> {
  if (!lines.length) return;
  const m = r.client.multi();
  for (const l of lines) m.xadd(logKey(r, app), 'MAXLEN', '~', maxLines, '*', 't', l.time, 'p', l.process, 'l', l.line);
  await m.exec();
}

type Entry = [string, string[]];

function toLine(fields: string[]): AppLogLine {
  const get = (k: string) => fields[fields.indexOf(k) + 1] ?? '';
  return { time: get('t'), process: get('p'), line: get('l') };
}

const matches = (l: AppLogLine, type?: string) => !type || l.process === type || l.process.startsWith(`${type}.`);

/** The last `n` lines (optionally of one process type), oldest first. */
export async function readAppLog(r: RedisHandle, app: AppName, n: number, type?: string): Promise<AppLogLine[]> {
  return (await readAppLogEntries(r, app, n, type)).map((e) => e.line);
}

export async function readAppLogEntries(r: RedisHandle, app: AppName, n: number, type?: string): Promise<AppLogEntry[]> {
  const out: AppLogEntry[] = [];
  // Big pages for big reads: 100,000 lines in 20 round trips, not 200.
  const size = Math.min(5000, Math.max(500, n));
  let end = '+';
  // Read backwards in pages until n matching lines or the start of the stream.
  while (out.length < n) {
    const page = (await r.client.xrevrange(logKey(r, app), end, '-', 'COUNT', size)) as Entry[];
    for (const [id, fields] of page) {
      const l = toLine(fields);
      if (matches(l, type)) out.push({ id, line: l });
      if (out.length >= n) break;
    }
    if (page.length < size) break;
    const last = page[page.length - 1]![0];
    const [ms, seq] = last.split('-').map(Number) as [number, number];
    end = seq > 0 ? `${ms}-${seq - 1}` : `${ms - 1}`;
  }
  return out.reverse();
}

/** Lines written from now on, until `signal` aborts. */
export async function* followAppLog(r: RedisHandle, app: AppName, signal: AbortSignal, type?: string): AsyncGenerator<AppLogLine> {
  for await (const e of followAppLogEntries(r, app, signal, type)) yield e.line;
}

/** Lines after entry `after` (default: from now on), until `signal` aborts. */
export async function* followAppLogEntries(r: RedisHandle, app: AppName, signal: AbortSignal, type?: string, after = '$'): AsyncGenerator<AppLogEntry> {
  const conn: Redis = r.duplicate();
  const stop = () => conn.disconnect();
  signal.addEventListener('abort', stop, { once: true });
  try {
    let cursor = after;
    while (!signal.aborted) {
      const res = (await conn.xread('COUNT', 500, 'BLOCK', 15000, 'STREAMS', logKey(r, app), cursor).catch(pauseAfterError)) as
        | [string, Entry[]][] | null;
      if (!res) continue;
      for (const [, entries] of res) {
        for (const [id, fields] of entries) {
          cursor = id;
          const l = toLine(fields);
          if (matches(l, type)) yield { id, line: l };
        }
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    conn.disconnect();
  }
}
