// secrets:rotate-key — a new key for config values and TLS private keys:
// every stored value is re-encrypted with it, then the old keys are dropped
// from the keyring.
// secrets:migrate runs at start: plaintext from before encryption gets sealed.
import { compactRedisLog, resealAllConfig } from '../../store/apps.js';
import { resealTlsKeys } from '../../store/certs.js';
import type { RedisHandle } from '../../store/redis.js';

export async function secretsRotateKey(deps: { redis: RedisHandle }): Promise<{ keyId: string; values: number }> {
  const box = deps.redis.secrets;
  if (!box) throw new Error('no secrets keyring on this process');
  const keyId = box.addKey();
  let values = await resealAllConfig(deps.redis, false) + await resealTlsKeys(deps.redis, false);
  // A value another process sealed with the old key during the first pass.
  values += await resealAllConfig(deps.redis, false) + await resealTlsKeys(deps.redis, false);
  box.dropOldKeys();
  await compactRedisLog(deps.redis);
  return { keyId, values };
}

export async function secretsMigrate(deps: { redis: RedisHandle }): Promise<number> {
  const n = await resealAllConfig(deps.redis, true) + await resealTlsKeys(deps.redis, true);
  if (n > 0) await compactRedisLog(deps.redis);
  return n;
}
