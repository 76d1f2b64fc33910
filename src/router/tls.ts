// Certificates by SNI name. Uploaded and ACME certificates are matched
// exactly first, then by wildcard (`*.example.com` covers one label, as TLS
// requires); a name nothing covers gets the self-signed fallback for
// `*.<domain>`, which every router shares through Redis.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import tls, { type SecureContext } from 'node:tls';
import { getOrCreateSecret, type StoredCert } from '../store/certs.js';
import type { RedisHandle } from '../store/redis.js';

const run = promisify(execFile);

export interface KeyPair { readonly cert: string; readonly key: string }

/** A self-signed pair for `*.<domain>` and `<domain>`, made with openssl once per install. */
async function selfSigned(domain: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-tls-'));
  try {
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650',
      '-keyout', key, '-out', cert, '-subj', `/O=Berth self-signed/CN=*.${domain}`,
      '-addext', `subjectAltName=DNS:*.${domain},DNS:${domain}`,
    ]);
    return JSON.stringify({ cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function fallbackPair(redis: RedisHandle, domain: string): Promise<KeyPair> {
  return JSON.parse(await getOrCreateSecret(redis, `fallback:${domain}`, () => selfSigned(domain))) as KeyPair;
}

export class CertStore {
  #exact = new Map<string, SecureContext>();
  #wildcard = new Map<string, SecureContext>();
  readonly #fallback: SecureContext;

  constructor(fallback: KeyPair) {
    this.#fallback = tls.createSecureContext(fallback);
  }

  /**
   * Replaces every certificate. A certificate serves only the names its app
   * has (`namesOf`: `<app>.<domain>` and its custom domains), so it never
   * answers for another app's hostname even if its SANs would cover it.
   */
  load(certs: readonly StoredCert[], namesOf: (app: string) => readonly string[], log: (line: string) => void): void {
    const exact = new Map<string, SecureContext>();
    const wildcard = new Map<string, SecureContext>();
    // Newer certificates win when two cover one name.
    for (const c of [...certs].sort((a, b) => a.notAfter - b.notAfter)) {
      let ctx: SecureContext;
      try {
        ctx = tls.createSecureContext({ cert: c.cert, key: c.key });
      } catch (err) {
        log(`router: certificate ${c.id} unusable: ${(err as Error).message}`);
        continue;
      }
      for (const name of namesOf(c.app)) {
        if (!covers(c.hostnames, name)) continue;
        if (name.startsWith('*.')) wildcard.set(name.slice(1), ctx);
        else exact.set(name, ctx);
      }
    }
    this.#exact = exact;
    this.#wildcard = wildcard;
  }

  contextFor(servername: string): SecureContext {
    const name = servername.toLowerCase().replace(/\.$/, '');
    const exact = this.#exact.get(name);
    if (exact) return exact;
    const dot = name.indexOf('.');
    return (dot > 0 && this.#wildcard.get(name.slice(dot))) || this.#fallback;
  }

  readonly sni = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void): void => {
    cb(null, this.contextFor(servername));
  };
}

/** Whether a certificate's names cover `name` (a wildcard covers one label). */
export function covers(certNames: readonly string[], name: string): boolean {
  if (certNames.includes(name)) return true;
  if (name.startsWith('*.')) return false;
  const dot = name.indexOf('.');
  return dot > 0 && certNames.includes(`*${name.slice(dot)}`);
}
