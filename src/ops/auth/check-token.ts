// auth:check — the one place every surface (API, git over HTTP and SSH,
// dashboard sessions) turns a credential into a Principal. Nothing is
// cached: a revoked or expired token, a removed key or user fails on the
// very next request. Failed attempts count against the source address.
import { createHash } from 'node:crypto';
import { intersectScopes, parseScope, roleScopes, type Principal, type Scope } from '../../shared/access.js';
import type { AppName } from '../../shared/app-name.js';
import { BerthError, unauthorized } from '../../shared/errors.js';
import { getKey, getUser, tokenByHash, type UserRecord } from '../../store/access.js';
import { addHit, countHits, windowLeftMs } from '../../store/rate-limit.js';
import type { BerthConfig } from '../../config/index.js';
import type { RedisHandle } from '../../store/redis.js';
import { appendEvent } from '../../store/events.js';

export interface AuthDeps { readonly redis: RedisHandle; readonly config: BerthConfig }

/** Where an attempt came from: the source address and the surface (api, git-http, ssh, dashboard). */
export interface AuthOrigin { readonly source: string; readonly via: string }

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

const LIMIT = 'auth-fail';

function tooMany(source: string, windowMs: number): BerthError {
  const wait = Math.ceil(windowLeftMs(windowMs) / 1000);
  return new BerthError('too_many_attempts', `too many failed sign-ins from ${source}`, { hint: `wait ${wait}s and check your token or key` });
}

/** 429 while `source` is over its failed-attempt budget; checked before any credential. */
export async function authCheckRate(source: string, deps: AuthDeps): Promise<void> {
  const { authFailLimit, authFailWindowMs } = deps.config.access;
  if ((await countHits(deps.redis, LIMIT, source, authFailWindowMs)) >= authFailLimit) throw tooMany(source, authFailWindowMs);
}

async function auditFailure(from: AuthOrigin, err: BerthError, deps: AuthDeps): Promise<BerthError> {
  await appendEvent(deps.redis, { user: '-', via: from.via, source: from.source, action: 'auth:failed', result: 'denied', error: err.message },
    deps.config.access).catch(() => {});
  return err;
}

/** Counts and audits a failed attempt, then returns the error to throw. */
export async function authFailed(from: AuthOrigin, err: BerthError, deps: AuthDeps): Promise<BerthError> {
  await addHit(deps.redis, LIMIT, from.source, deps.config.access.authFailWindowMs);
  return auditFailure(from, err, deps);
}

function scopesOf(user: UserRecord, granted: readonly Scope[]): Scope[] {
  return intersectScopes(granted, roleScopes(user.role, user.apps as AppName[]));
}

/**
 * Throws 401 (or 429) unless `presented` is a live token of an existing user.
 * A failure is counted (one atomic INCR) before its answer is decided, and
 * past the limit the answer is 429 whatever the token: so 400 guesses sent at
 * once get at most the limit's worth of 401s, as 400 sent one after another
 * would. A good token is refused too while its address is locked out.
 */
export async function authCheckToken(presented: string | undefined, deps: AuthDeps, from: AuthOrigin): Promise<Principal> {
  const { authFailLimit, authFailWindowMs } = deps.config.access;
  await authCheckRate(from.source, deps);
  if (!presented) throw unauthorized('missing token');
  const found = await principalOfHash(hashToken(presented), deps);
  if (found instanceof BerthError) {
    const n = await addHit(deps.redis, LIMIT, from.source, authFailWindowMs);
    if (n > authFailLimit) throw tooMany(from.source, authFailWindowMs);
    throw await auditFailure(from, found, deps);
  }
  await authCheckRate(from.source, deps);
  return found;
}

/** The same checks for a token known only by its hash (what a dashboard session keeps), so revocation ends sessions too. */
export async function authCheckTokenHash(hash: string, deps: AuthDeps, from: AuthOrigin): Promise<Principal> {
  const found = await principalOfHash(hash, deps);
  if (found instanceof BerthError) throw await authFailed(from, found, deps);
  return found;
}

async function principalOfHash(hash: string, deps: AuthDeps): Promise<Principal | BerthError> {
  const token = await tokenByHash(deps.redis, hash);
  if (!token) return unauthorized('invalid token (unknown or revoked)');
  if (token.expiresAt !== undefined && token.expiresAt <= Date.now()) {
    return unauthorized(`token "${token.name}" expired at ${new Date(token.expiresAt).toISOString()}`);
  }
  const user = await getUser(deps.redis, token.user);
  if (!user) return unauthorized(`the user of token "${token.name}" no longer exists`);
  return { user: user.name, scopes: scopesOf(user, token.scopes.map(parseScope)), credential: { kind: 'token', id: token.id, name: token.name } };
}

/** The Principal of a registered SSH key, or undefined (the caller counts the failure). */
export async function authCheckKey(fingerprint: string, deps: AuthDeps): Promise<Principal | undefined> {
  const key = await getKey(deps.redis, fingerprint);
  const user = key ? await getUser(deps.redis, key.user) : undefined;
  if (!key || !user) return undefined;
  return { user: user.name, scopes: roleScopes(user.role, user.apps as AppName[]), credential: { kind: 'key', id: key.fingerprint, name: key.comment || key.fingerprint } };
}

/** Token from `Authorization: Bearer x` or Basic auth (password, or user when no password). */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ', 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value.trim();
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return decoded || undefined;
    return decoded.slice(i + 1) || decoded.slice(0, i) || undefined;
  }
  return undefined;
}
