// Build records and their logs. Each build's log is a capped Redis stream, so
// it can be followed live by the pusher and replayed later; the last entry
// carries the final status and ends every follower.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AppName } from '../shared/app-name.js';
import type { Build, BuildStatus } from '../shared/types.js';
import type { RedisHandle } from './redis.js';
import { publishAppChange } from './app-events.js';

const buildKey = (r: RedisHandle, id: string) => r.key('build', id);
const logKey = (r: RedisHandle, id: string) => r.key('build', id, 'log');
const aliveKey = (r: RedisHandle, id: string) => r.key('build', id, 'alive');
const appBuildsKey = (r: RedisHandle, app: string) => r.key('app', app, 'builds');
const runningKey = (r: RedisHandle) => r.key('builds', 'running');
const sourceKey = (r: RedisHandle, id: string) => r.key('build', id, 'source');
// Named when the build queue kept it; the name stays so a server upgraded
// with builds in flight still finds the latest one.
const latestKey = (r: RedisHandle, app: string) => r.key('queue', 'latest', app);

const KEPT_BUILDS_PER_APP = 100;
const TERMINAL: ReadonlySet<BuildStatus> = new Set(['succeeded', 'failed', 'superseded']);

/** Succeeded, failed or superseded: nothing will run for it any more. */
export const isFinished = (status: BuildStatus): boolean => TERMINAL.has(status);

export const newBuildId = () => `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

export async function createBuild(r: RedisHandle, b: Omit<Build, 'status' | 'createdAt'>): Promise<Build> {
  const build: Build = { ...b, status: 'queued', createdAt: Date.now() };
  const m = r.client.multi()
    .set(buildKey(r, b.id), JSON.stringify(build))
    .lpush(appBuildsKey(r, b.app), b.id)
    .ltrim(appBuildsKey(r, b.app), 0, KEPT_BUILDS_PER_APP - 1);
  await publishAppChange(r, m, b.app).exec();
  return build;
}

export async function getBuild(r: RedisHandle, id: string): Promise<Build | undefined> {
  const raw = await r.client.get(buildKey(r, id));
  return raw ? (JSON.parse(raw) as Build) : undefined;
}

export async function listBuilds(r: RedisHandle, app: AppName): Promise<Build[]> {
  const ids = await r.client.lrange(appBuildsKey(r, app), 0, -1);
  const all = await Promise.all(ids.map((id) => getBuild(r, id)));
  return all.filter((b): b is Build => b !== undefined);
}

export async function updateBuild(r: RedisHandle, id: string, patch: Partial<Build>): Promise<Build | undefined> {
  const b = await getBuild(r, id);
  if (!b) return undefined;
  const next = { ...b, ...patch } as Build;
  const m = r.client.multi().set(buildKey(r, id), JSON.stringify(next));
  if (patch.status === 'running') m.sadd(runningKey(r), id);
  if (patch.status && TERMINAL.has(patch.status)) m.srem(runningKey(r), id);
  if (patch.status) publishAppChange(r, m, b.app);
  await m.exec();
  return next;
}

export async function appendLog(r: RedisHandle, id: string, lines: string[], maxLines: number): Promise<void> {
  if (lines.length === 0) return;
  const m = r.client.multi();
  for (const line of lines) m.xadd(logKey(r, id), 'MAXLEN', '~', maxLines, '*', 'l', line);
  await m.exec();
}

export type FinalStatus = 'succeeded' | 'failed' | 'superseded';

/**
 * Ends a build: its final status (with `patch`: finishedAt, error, release),
 * its place in the running set, the app's change notice and the log's end
 * entry, which ends every follower, in one transaction, so no reader sees a
 * finished log of a build still marked running, or the reverse.
 */
export async function finishBuild(r: RedisHandle, id: string, status: FinalStatus, patch: Partial<Build> = {}): Promise<void> {
  const b = await getBuild(r, id);
  const m = r.client.multi();
  if (b) {
    m.set(buildKey(r, id), JSON.stringify({ ...b, finishedAt: Date.now(), ...patch, status }));
    publishAppChange(r, m, b.app);
  }
  m.srem(runningKey(r), id).xadd(logKey(r, id), '*', 'end', status);
  await m.exec();
}

/** Records `id` as the app's newest push, in the order pushes arrive; returns the one it replaces. */
export async function markLatestBuild(r: RedisHandle, app: string, id: string): Promise<string | undefined> {
  return (await r.client.getset(latestKey(r, app), id)) ?? undefined;
}

/** The app's newest push (markLatestBuild). */
export async function latestBuildId(r: RedisHandle, app: string): Promise<string | undefined> {
  return (await r.client.get(latestKey(r, app))) ?? undefined;
}

/** `id` is the stream entry's id: a follower that lost its place resumes after it. */
export type LogEvent = { line: string; id?: string } | { end: BuildStatus; id?: string };

/**
 * Follows a build log from the start (or after entry `after`) until its end
 * entry. Uses its own connection because XREAD BLOCK holds it while it waits.
 */
export async function* followLog(r: RedisHandle, id: string, signal?: AbortSignal, after = '0-0'): AsyncGenerator<LogEvent> {
  const conn: Redis = r.duplicate();
  const stop = () => conn.disconnect();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    let cursor = after;
    while (!signal?.aborted) {
      const res = (await conn.xread('COUNT', 500, 'BLOCK', 5000, 'STREAMS', logKey(r, id), cursor)) as
        | [string, [string, string[]][]][] | null;
      if (!res) {
        // No news for a while: stop if the build ended without an end entry.
        const b = await r.client.get(buildKey(r, id));
        if (!b) return;
        continue;
      }
      for (const [, entries] of res) {
        for (const [entryId, fields] of entries) {
          cursor = entryId;
          if (fields[0] === 'end') { yield { end: fields[1] as BuildStatus, id: entryId }; return; }
          yield { line: fields[1] ?? '', id: entryId };
        }
      }
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    conn.disconnect();
  }
}

/** Heartbeat of a running build; a build whose heartbeat lapsed lost its worker. */
export async function touchBuild(r: RedisHandle, id: string, ttlMs: number): Promise<void> {
  await r.client.set(aliveKey(r, id), '1', 'PX', ttlMs);
}

export async function runningBuildsWithoutHeartbeat(r: RedisHandle): Promise<string[]> {
  const ids = await r.client.smembers(runningKey(r));
  const alive = await Promise.all(ids.map((id) => r.client.exists(aliveKey(r, id))));
  return ids.filter((_, i) => alive[i] === 0);
}

/** A pushed tree (tar) kept in Redis for a build worker on another host, until the build ends. */
export async function putBuildSource(r: RedisHandle, id: string, tar: Buffer, ttlMs: number): Promise<void> {
  await r.client.set(sourceKey(r, id), tar, 'PX', ttlMs);
}

export async function getBuildSource(r: RedisHandle, id: string): Promise<Buffer | null> {
  return r.client.getBuffer(sourceKey(r, id));
}

export async function dropBuildSource(r: RedisHandle, id: string): Promise<void> {
  await r.client.del(sourceKey(r, id));
}
