// Whether Redis answers, known without waiting on it. Requests (API, git,
// /healthz) read through a handle whose client fails fast: no offline queue,
// a command deadline, and a probe that marks Redis down the moment its
// socket closes or a PING goes unanswered, so the edge can say 503 at once
// instead of letting a request hang until Redis is back. Builds, deploys and
// blocking streams keep the patient connections of the base handle: they
// pause through an outage and go on after it.
import { Redis } from 'ioredis';
import { BerthError } from '../shared/errors.js';
import type { RedisHandle } from './redis.js';

export interface RedisHealth {
  /** False from the moment a probe fails or the socket closes, until a PING answers again. */
  readonly up: boolean;
  /** Why it is down (empty when up). */
  readonly reason: string;
}

export interface RequestRedisOptions {
  /** A command that takes longer fails (503) instead of holding its request. */
  readonly commandTimeoutMs: number;
  /** How often the probe PINGs. */
  readonly probeMs: number;
}

/** A view of `base` for request paths: same keys and secrets, a fail-fast client and a health flag. */
export async function requestRedis(base: RedisHandle, opts: RequestRedisOptions): Promise<RedisHandle & { health: RedisHealth }> {
  const client = new Redis({
    ...base.options,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: opts.commandTimeoutMs,
    // Reconnect quickly: the embedded server is restarted within a second or two.
    retryStrategy: (times) => Math.min(100 * times, 1000),
  });
  client.on('error', () => { /* the probe reports it; ioredis reconnects */ });
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('end', () => reject(new Error('Redis connection for requests closed before it was ready')));
  });
  const state = { up: true, reason: '' };
  let closing = false;
  const down = (why: string) => {
    if (closing) return;
    if (state.up) console.error(`berth: Redis is not answering (${why}); API and git answer 503 until it is back`);
    state.up = false;
    state.reason = why;
  };
  let probing = false;
  const probe = () => {
    if (probing) return;
    probing = true;
    client.ping().then(() => {
      if (!state.up) console.log('berth: Redis answers again');
      state.up = true;
      state.reason = '';
    }, (err: Error) => down(err.message)).finally(() => { probing = false; });
  };
  client.on('close', () => down('the connection closed'));
  client.on('ready', probe);
  const timer = setInterval(probe, opts.probeMs);
  timer.unref();
  return {
    ...base,
    client,
    health: state,
    key: base.key,
    duplicate: () => base.duplicate(),
    async close() {
      closing = true;
      clearInterval(timer);
      await client.quit().catch(() => client.disconnect());
    },
  };
}

export function redisUnavailable(reason: string): BerthError {
  return new BerthError('redis_unavailable', `Berth's Redis is not answering (${reason || 'unknown'}); nothing was changed`, {
    expose: true,
    hint: 'try again in a few seconds: Berth reconnects by itself (an embedded redis-server is restarted); if it persists, check redis-server and the server log',
  });
}

/** An ioredis error that means "Redis is away", not a bad command. */
export function isRedisOutage(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'MaxRetriesPerRequestError'
    || /^(Command timed out|Connection is closed\.?|Stream isn't writeable)/.test(err.message)
    || /^LOADING /.test(err.message);
}

/** A thrown error as the edge should answer it: an outage becomes the 503 above. */
export function outageAsBerthError(err: unknown): BerthError | undefined {
  return isRedisOutage(err) ? redisUnavailable((err as Error).message) : undefined;
}

/** For a follow loop's failed read: wait a moment (no busy loop while Redis is away), then read again. */
export async function pauseAfterError(): Promise<null> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  return null;
}
