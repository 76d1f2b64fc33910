// Users, API tokens and SSH keys. Tokens are kept only as a SHA-256 of
// their secret (the secret is 192 random bits, so a plain hash is enough
// and lookups stay O(1)); a revoked token keeps its record for the list
// and the audit log but loses its hash, so it can never match again.
import type { RedisHandle } from './redis.js';

export interface UserRecord {
  readonly name: string;
  readonly role: 'admin' | 'deploy';
  /** Apps a deploy user may push; empty for admins. */
  readonly apps: readonly string[];
  readonly createdAt: number;
}

export interface TokenRecord {
  readonly id: string;
  readonly name: string;
  readonly user: string;
  /** Formatted scopes: admin, read, deploy:a,b. */
  readonly scopes: readonly string[];
  readonly hash: string;
  readonly createdAt: number;
  readonly expiresAt?: number;
  revokedAt?: number;
}

export interface KeyRecord {
  /** SHA256:<base64>, as ssh-keygen -lf prints it. */
  readonly fingerprint: string;
  readonly user: string;
  readonly type: string;
  readonly comment: string;
  /** The `type base64` line, without the comment. */
  readonly publicKey: string;
  readonly createdAt: number;
}

const usersKey = (r: RedisHandle) => r.key('users');
const tokensKey = (r: RedisHandle) => r.key('tokens');
const tokenHashesKey = (r: RedisHandle) => r.key('token-hashes');
const keysKey = (r: RedisHandle) => r.key('ssh-keys');

const parse = <T>(raw: string | null | undefined): T | undefined => (raw ? (JSON.parse(raw) as T) : undefined);

export async function getUser(r: RedisHandle, name: string): Promise<UserRecord | undefined> {
  return parse<UserRecord>(await r.client.hget(usersKey(r), name));
}

export async function listUsers(r: RedisHandle): Promise<UserRecord[]> {
  return (await r.client.hvals(usersKey(r))).map((v) => JSON.parse(v) as UserRecord).sort((a, b) => a.name.localeCompare(b.name));
}

/** Creates or updates the user. */
export async function putUser(r: RedisHandle, user: UserRecord): Promise<void> {
  await r.client.hset(usersKey(r), user.name, JSON.stringify(user));
}

/** Removes the user with every token and key it owns. */
export async function deleteUser(r: RedisHandle, name: string): Promise<void> {
  const tokens = (await listTokens(r)).filter((t) => t.user === name);
  const keys = (await listKeys(r)).filter((k) => k.user === name);
  const m = r.client.multi().hdel(usersKey(r), name);
  for (const t of tokens) m.hdel(tokensKey(r), t.id).hdel(tokenHashesKey(r), t.hash);
  for (const k of keys) m.hdel(keysKey(r), k.fingerprint);
  await m.exec();
}

export async function putToken(r: RedisHandle, token: TokenRecord): Promise<void> {
  const m = r.client.multi().hset(tokensKey(r), token.id, JSON.stringify(token));
  if (token.revokedAt) m.hdel(tokenHashesKey(r), token.hash);
  else m.hset(tokenHashesKey(r), token.hash, token.id);
  await m.exec();
}

export async function getToken(r: RedisHandle, id: string): Promise<TokenRecord | undefined> {
  return parse<TokenRecord>(await r.client.hget(tokensKey(r), id));
}

/** The live token whose secret hashes to `hash`, if any. */
export async function tokenByHash(r: RedisHandle, hash: string): Promise<TokenRecord | undefined> {
  const id = await r.client.hget(tokenHashesKey(r), hash);
  const token = id ? await getToken(r, id) : undefined;
  return token && token.hash === hash && !token.revokedAt ? token : undefined;
}

export async function listTokens(r: RedisHandle): Promise<TokenRecord[]> {
  return (await r.client.hvals(tokensKey(r))).map((v) => JSON.parse(v) as TokenRecord).sort((a, b) => a.createdAt - b.createdAt);
}

export async function putKey(r: RedisHandle, key: KeyRecord): Promise<void> {
  await r.client.hset(keysKey(r), key.fingerprint, JSON.stringify(key));
}

export async function getKey(r: RedisHandle, fingerprint: string): Promise<KeyRecord | undefined> {
  return parse<KeyRecord>(await r.client.hget(keysKey(r), fingerprint));
}

export async function listKeys(r: RedisHandle): Promise<KeyRecord[]> {
  return (await r.client.hvals(keysKey(r))).map((v) => JSON.parse(v) as KeyRecord).sort((a, b) => a.createdAt - b.createdAt);
}

export async function deleteKey(r: RedisHandle, fingerprint: string): Promise<boolean> {
  return (await r.client.hdel(keysKey(r), fingerprint)) === 1;
}
