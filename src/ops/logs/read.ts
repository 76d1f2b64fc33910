// logs — the app's runtime output, every process interleaved, kept across
// deploys up to a bounded size; `tail` follows new lines as they come.
import { fail } from '../../shared/errors.js';
import { followAppLog, followAppLogEntries, readAppLog, readAppLogEntries, type AppLogEntry, type AppLogLine } from '../../store/app-logs.js';
import { requireApp } from '../app-lookup.js';
import { joinSharedTail, type Deliver } from './shared-tail.js';
import type { OpsDeps } from '../deps.js';

export const MAX_LOG_LINES = 100_000;
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/** A stream entry id a client sent back (SSE Last-Event-ID), or a 400. */
export function parseStreamId(raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string' || !STREAM_ID.test(raw)) throw fail('invalid_event_id', `invalid Last-Event-ID ${JSON.stringify(raw)}`, 'reopen the stream without it');
  return raw;
}

function parseN(raw: unknown): number {
  if (raw === undefined || raw === '') return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LOG_LINES) throw fail('invalid_lines', `-n must be a whole number from 1 to ${MAX_LOG_LINES}`);
  return n;
}

function parseType(raw: unknown): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^[A-Za-z0-9_-]+(\.\d+)?$/.test(raw)) throw fail('invalid_process_type', `invalid process type ${JSON.stringify(raw)}`);
  return raw;
}

export async function logsRead(input: { app: unknown; n?: unknown; type?: unknown }, deps: OpsDeps): Promise<AppLogLine[]> {
  const app = await requireApp(input.app, deps);
  return readAppLog(deps.redis, app.name, parseN(input.n), parseType(input.type));
}

export async function logsTail(input: { app: unknown; type?: unknown }, deps: OpsDeps, signal: AbortSignal): Promise<AsyncGenerator<AppLogLine>> {
  const app = await requireApp(input.app, deps);
  return followAppLog(deps.redis, app.name, signal, parseType(input.type));
}

/**
 * A resumable tail: the last `n` lines then every new one, each with its
 * stream id; given `after` (the last id a client saw), only the lines after
 * it, so a reconnect neither loses nor repeats a line.
 */
export async function logsTailEntries(
  input: { app: unknown; n?: unknown; type?: unknown; after?: unknown }, deps: OpsDeps, signal: AbortSignal,
): Promise<{ backlog: AppLogEntry[]; follow: AsyncGenerator<AppLogEntry>; share: (deliver: Deliver) => Promise<boolean> }> {
  const app = await requireApp(input.app, deps);
  const type = parseType(input.type);
  const after = parseStreamId(input.after);
  const backlog = after ? [] : await readAppLogEntries(deps.redis, app.name, parseN(input.n), type);
  const from = after ?? backlog[backlog.length - 1]?.id ?? '0-0';
  return {
    backlog,
    // Lazy: a generator opens its Redis connection only when first read.
    follow: followAppLogEntries(deps.redis, app.name, signal, type, from),
    // The same lines from the app's one shared follower (false: too far behind, use `follow`).
    share: (deliver) => joinSharedTail(deps.redis, app.name, from, type, deliver, signal),
  };
}
