// TLS private keys at rest: sealed with the config values' key and scheme
// (secrets.ts: AES-256-GCM, keyring in <data>/secrets.key, never in Redis),
// so a Redis dump or AOF holds no private key. What is sealed:
//   certs hash: each certificate's `key` (aad tls-cert:<id>)
//   tls:secret:<name>: the ACME account key, the router's fallback pair (aad tls-secret:<name>)
// A key stored in clear by an older Berth reads as it is, and is sealed by
// resealTls at start (onlyPlain) and moved to a new key by secrets:rotate-key.
import type { RedisHandle } from './redis.js';
import { SecretBox } from './secrets.js';

export const certAad = (id: string) => `tls-cert:${id}`;
export const secretAad = (name: string) => `tls-secret:${name}`;

function box(r: RedisHandle): SecretBox {
  // No keyring, no write: a private key must never go to Redis in clear.
  if (!r.secrets) throw new Error('this Redis handle has no secrets keyring, so it cannot store a TLS private key');
  return r.secrets;
}

export const seal = (r: RedisHandle, plain: string, aad: string): string => box(r).encrypt(plain, aad);

/** Plain text from an older Berth comes back as it is. */
export const unseal = (r: RedisHandle, stored: string, aad: string): string =>
  (SecretBox.isEncrypted(stored) ? box(r).decrypt(stored, aad) : stored);

// As apps.ts's: HSET/SET only if the value is still the one read, so a
// certificate replaced meanwhile keeps its new value.
const HSWAP = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]); return 1 end
return 0`;
const SWAP = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]); return 1 end
return 0`;

/** All tls:secret:* keys under this handle's prefix. */
async function secretKeys(r: RedisHandle): Promise<string[]> {
  const pattern = `${r.key('tls', 'secret')}:*`.replace(/[?[\]\\]/g, '\\$&');
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await r.client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

/**
 * Seals every stored TLS private key with the current key: those in clear
 * (onlyPlain, at start), or every one not under the current key (rotation).
 * Returns how many moved; `onChange` runs once if any did (to tell routers).
 */
export async function resealTls(r: RedisHandle, onlyPlain: boolean, onChange: () => Promise<void>): Promise<number> {
  const current = `enc:v1:${box(r).currentKeyId()}:`;
  const stale = (v: string) => (onlyPlain ? !SecretBox.isEncrypted(v) : !v.startsWith(current));
  let moved = 0;
  const certs = r.key('certs');
  for (const [id, raw] of Object.entries(await r.client.hgetall(certs))) {
    const cert = JSON.parse(raw) as { key?: string };
    if (typeof cert.key !== 'string' || !stale(cert.key)) continue;
    const next = JSON.stringify({ ...cert, key: seal(r, unseal(r, cert.key, certAad(id)), certAad(id)) });
    moved += Number(await r.client.eval(HSWAP, 1, certs, id, raw, next));
  }
  const prefix = `${r.key('tls', 'secret')}:`;
  for (const key of await secretKeys(r)) {
    const raw = await r.client.get(key);
    if (raw === null || !stale(raw)) continue;
    const aad = secretAad(key.slice(prefix.length));
    moved += Number(await r.client.eval(SWAP, 1, key, raw, seal(r, unseal(r, raw, aad), aad)));
  }
  if (moved > 0) await onChange();
  return moved;
}
