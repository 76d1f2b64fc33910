// Dashboard sessions and failed sign-ins. A session is a Redis hash that
// expires on its own; the browser holds only a random id, and Redis only its
// SHA-256, so a copy of the database holds no usable session.
import { createHash, randomBytes } from 'node:crypto';
import type { RedisHandle } from './redis.js';

export interface Session {
  /** Anti-CSRF token the page sends back as a header on every change. */
  readonly csrf: string;
  /** SHA-256 of the API token signed in with: every request re-checks it (revoked or expired ends the session). */
  readonly tokenHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

const hashId = (id: string) => createHash('sha256').update(id).digest('hex');
const sessionKey = (r: RedisHandle, id: string) => r.key('session', hashId(id));
const failKey = (r: RedisHandle, source: string) => r.key('signin-failures', source);

const token = () => randomBytes(32).toString('base64url');

export async function createSession(r: RedisHandle, ttlMs: number, tokenHash: string): Promise<{ id: string; session: Session }> {
  const id = token();
  const now = Date.now();
  const session: Session = { csrf: token(), tokenHash, createdAt: now, expiresAt: now + ttlMs };
  await r.client.multi()
    .hset(sessionKey(r, id), { csrf: session.csrf, tokenHash, createdAt: now, expiresAt: session.expiresAt })
    .pexpire(sessionKey(r, id), ttlMs)
    .exec();
  return { id, session };
}

export async function getSession(r: RedisHandle, id: string): Promise<Session | undefined> {
  const h = await r.client.hgetall(sessionKey(r, id));
  if (!h.csrf || !h.tokenHash) return undefined;
  const session = { csrf: h.csrf, tokenHash: h.tokenHash, createdAt: Number(h.createdAt), expiresAt: Number(h.expiresAt) };
  // Redis expiry is lazy-ish at millisecond scale; the stored deadline is the rule.
  return session.expiresAt > Date.now() ? session : undefined;
}

export async function deleteSession(r: RedisHandle, id: string): Promise<void> {
  await r.client.del(sessionKey(r, id));
}

export interface FailureCount { readonly count: number; readonly lastAt: number }

export async function getSignInFailures(r: RedisHandle, source: string): Promise<FailureCount> {
  const h = await r.client.hgetall(failKey(r, source));
  return { count: Number(h.count ?? 0), lastAt: Number(h.lastAt ?? 0) };
}

/** Counts one more failure; the count is forgotten `windowMs` after the last one. */
export async function addSignInFailure(r: RedisHandle, source: string, windowMs: number): Promise<FailureCount> {
  const key = failKey(r, source);
  const now = Date.now();
  const [[, count]] = (await r.client.multi().hincrby(key, 'count', 1).hset(key, 'lastAt', now).pexpire(key, windowMs).exec()) as [[null, number]];
  return { count, lastAt: now };
}

export async function clearSignInFailures(r: RedisHandle, source: string): Promise<void> {
  await r.client.del(failKey(r, source));
}
