// keys, keys:add, keys:remove — SSH keys that may push over the SSH remote.
// A key acts with its user's role: admin, or deploy on the user's apps.
import { fail } from '../../shared/errors.js';
import { deleteKey, getKey, listKeys, putKey, type KeyRecord } from '../../store/access.js';
import type { AuthDeps } from '../auth/check-token.js';
import { parsePublicKey } from './ssh-key.js';
import { requireUser } from './users.js';

export async function keysAdd(input: { user: unknown; publicKey: unknown }, deps: AuthDeps): Promise<KeyRecord> {
  const user = await requireUser(input.user, deps);
  const info = parsePublicKey(input.publicKey);
  const existing = await getKey(deps.redis, info.fingerprint);
  if (existing) throw fail('key_exists', `this key (${info.fingerprint}) is already registered to user "${existing.user}"`, 'remove it first with berth keys:remove');
  const record: KeyRecord = { fingerprint: info.fingerprint, user: user.name, type: info.type, comment: info.comment, publicKey: info.publicKey, createdAt: Date.now() };
  await putKey(deps.redis, record);
  return record;
}

export async function keysList(input: { user?: unknown }, deps: AuthDeps): Promise<KeyRecord[]> {
  const all = await listKeys(deps.redis);
  return input.user ? all.filter((k) => k.user === input.user) : all;
}

/** By fingerprint (SHA256:...), or by the key's comment when that is unique. */
export async function keysRemove(input: { key: unknown }, deps: AuthDeps): Promise<KeyRecord> {
  const ref = typeof input.key === 'string' ? input.key.trim() : '';
  const all = await listKeys(deps.redis);
  const byComment = all.filter((k) => k.comment === ref);
  const found = all.find((k) => k.fingerprint === ref || k.fingerprint === `SHA256:${ref}`) ?? (byComment.length === 1 ? byComment[0] : undefined);
  if (!found) {
    throw fail('key_not_found', byComment.length > 1 ? `${byComment.length} keys have the comment "${ref}": give the fingerprint` : `no key with fingerprint or comment ${JSON.stringify(ref)}`, 'see berth keys');
  }
  await deleteKey(deps.redis, found.fingerprint);
  return found;
}
