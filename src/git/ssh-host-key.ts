// The SSH server's host key: an ed25519 key made once (by ssh2's key
// generator, on node:crypto) and kept in the data dir in OpenSSH format,
// so the fingerprint users pin never changes. install.sh prints it.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { BerthConfig } from '../config/index.js';
import { fingerprintOf } from '../ops/access/ssh-key.js';

export const hostKeyPath = (config: BerthConfig) => path.join(config.dataDir, 'ssh_host_ed25519_key');

export interface HostKey { readonly privateKey: string; readonly fingerprint: string }

export async function loadHostKey(config: BerthConfig): Promise<HostKey> {
  const file = hostKeyPath(config);
  let privateKey = await readFile(file, 'utf8').catch(() => '');
  if (!privateKey) {
    const pair = generateUsable();
    // wx: when two servers start at once, the first key written wins.
    const wrote = await writeFile(file, pair.private, { mode: 0o600, flag: 'wx' }).then(() => true, (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
      return false;
    });
    if (wrote) await writeFile(`${file}.pub`, `${pair.public}\n`, { mode: 0o644 });
    privateKey = await readFile(file, 'utf8');
  }
  const parsed = ssh2.utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw new Error(`${file} is not a usable SSH host key (${key instanceof Error ? key.message : 'unreadable'}); move it away to make a new one`);
  return { privateKey, fingerprint: fingerprintOf(key.getPublicSSH()) };
}

/**
 * ssh2's generator writes about 1 key in 250 that its own parser refuses
 * (a public key whose first byte is 0 loses it: 31 bytes, "Malformed");
 * a server that drew one could not start. Draw again.
 */
function generateUsable(): { private: string; public: string } {
  for (let tries = 0; ; tries++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'berth-host' });
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error) || tries >= 20) return pair;
  }
}
