// Config values are encrypted at rest: AES-256-GCM (node:crypto) with a
// random 96-bit IV per value and the app and var name as additional data,
// so a value cannot be moved to another var unnoticed. The keyring lives in
// <data>/secrets.key (mode 600), never in Redis: a Redis dump alone reveals
// no value. Stored form: enc:v1:<key id>:<iv>:<tag>:<ciphertext> (base64url).
// Every process re-reads the keyring when the file changes (rotation).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';

const PREFIX = 'enc:v1:';

interface Keyring { current: string; keys: Record<string, string> }

export class SecretBox {
  private ring: Keyring | undefined;
  private stamp = '';

  constructor(readonly file: string) {}

  static forDataDir(dataDir: string): SecretBox {
    return new SecretBox(path.join(dataDir, 'secrets.key'));
  }

  static isEncrypted(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  encrypt(plain: string, aad: string): string {
    const ring = this.keyring();
    const id = ring.current;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(ring.keys[id]!, 'hex'), iv);
    cipher.setAAD(Buffer.from(aad));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${id}:${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${ct.toString('base64url')}`;
  }

  /** A value stored before encryption existed comes back as it is (and is migrated at start). */
  decrypt(stored: string, aad: string): string {
    if (!SecretBox.isEncrypted(stored)) return stored;
    const [id, iv, tag, ct] = stored.slice(PREFIX.length).split(':');
    const hex = this.keyring().keys[id ?? ''];
    if (!hex || !iv || !tag || ct === undefined) {
      throw new Error(`a config value (${aad}) is encrypted with key "${id}", which ${this.file} does not hold; restore that file from a backup`);
    }
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(hex, 'hex'), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(`a config value (${aad}) failed its integrity check: it was altered, or ${this.file} is not the key it was written with`);
    }
  }

  currentKeyId(): string {
    return this.keyring().current;
  }

  /** Adds a new key and makes it current; the old ones stay until dropOldKeys(). */
  addKey(): string {
    const ring = this.keyring();
    const id = `k${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    this.write({ current: id, keys: { ...ring.keys, [id]: randomBytes(32).toString('hex') } });
    return id;
  }

  dropOldKeys(): void {
    const ring = this.keyring();
    this.write({ current: ring.current, keys: { [ring.current]: ring.keys[ring.current]! } });
  }

  private keyring(): Keyring {
    const stampOf = () => { const st = statSync(this.file); return `${st.ino}:${st.mtimeMs}`; };
    let stamp = '';
    try { stamp = stampOf(); } catch { /* made below */ }
    if (this.ring && stamp === this.stamp) return this.ring;
    if (!stamp) {
      const id = `k${Date.now().toString(36)}`;
      // wx: when two processes start at once, the first file written wins.
      try {
        writeFileSync(this.file, `${JSON.stringify({ current: id, keys: { [id]: randomBytes(32).toString('hex') } })}\n`, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      stamp = stampOf();
    }
    const ring = JSON.parse(readFileSync(this.file, 'utf8')) as Keyring;
    if (!ring.current || !ring.keys?.[ring.current] || !/^[0-9a-f]{64}$/.test(ring.keys[ring.current]!)) {
      throw new Error(`${this.file} is not a Berth secrets keyring`);
    }
    this.ring = ring;
    this.stamp = stamp;
    return ring;
  }

  private write(ring: Keyring): void {
    // Written aside and renamed, so a reader never sees half a keyring.
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(ring)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
    this.ring = undefined;
  }
}
