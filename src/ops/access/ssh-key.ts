// Reading an OpenSSH public key line (what ~/.ssh/id_ed25519.pub holds),
// with ssh2's own parser, and its SHA256 fingerprint as ssh-keygen -lf prints it.
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { fail } from '../../shared/errors.js';

export const ACCEPTED_KEY_TYPES = ['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'];

export interface PublicKeyInfo { readonly type: string; readonly comment: string; readonly publicKey: string; readonly fingerprint: string }

export const fingerprintOf = (blob: Buffer) => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

export function parsePublicKey(raw: unknown): PublicKeyInfo {
  const hint = 'give the .pub file, for example: berth keys:add alice ~/.ssh/id_ed25519.pub';
  if (typeof raw !== 'string' || raw.trim() === '') throw fail('invalid_public_key', 'no public key given', hint);
  const text = raw.trim();
  if (text.includes('PRIVATE KEY')) throw fail('private_key_given', 'that is a private key: never share it; give the .pub file next to it', hint);
  if (text.split('\n').length > 1) throw fail('invalid_public_key', 'give one public key (one line)', hint);
  const parsed = ssh2.utils.parseKey(text);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw fail('invalid_public_key', `not an OpenSSH public key (${key instanceof Error ? key.message : 'unreadable'})`, hint);
  if (key.isPrivateKey()) throw fail('private_key_given', 'that is a private key: give the .pub file next to it', hint);
  if (!ACCEPTED_KEY_TYPES.includes(key.type)) {
    throw fail('unsupported_key_type', `keys of type ${key.type} are not accepted: use ed25519 or RSA`, 'make one with: ssh-keygen -t ed25519');
  }
  const blob = key.getPublicSSH();
  return { type: key.type, comment: key.comment ?? '', publicKey: `${key.type} ${blob.toString('base64')}`, fingerprint: fingerprintOf(blob) };
}
