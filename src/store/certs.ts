// TLS state: certificates (uploaded with certs:add or issued over ACME), the
// per-app TLS settings (HTTPS redirect, ACME on/off and its last outcome),
// ACME HTTP-01 challenge answers, the ACME account key and the shared
// self-signed fallback. Changes to certificates and settings are announced
// on the router channel; challenges are read on demand (they are rare).
// Private keys are sealed at rest (tls-seal.ts): Redis never holds one in clear.
import { X509Certificate } from 'node:crypto';
import type { RedisHandle } from './redis.js';
import { publishChange } from './routes.js';
import { certAad, resealTls, seal, secretAad, unseal } from './tls-seal.js';

export interface StoredCert {
  /** `acme:<app>` for the ACME certificate, else `<app>:<fingerprint>`. */
  readonly id: string;
  readonly app: string;
  /** PEM: leaf first, then the chain. */
  readonly cert: string;
  readonly key: string;
  /** Names from the certificate (SANs), lowercased; may include `*.x`. */
  readonly hostnames: readonly string[];
  readonly notAfter: number;
  readonly source: 'manual' | 'acme';
}

export interface TlsSettings {
  readonly redirectHttps: boolean;
  readonly auto: boolean;
}

export interface AcmeStatus {
  readonly state: 'pending' | 'issued' | 'failed';
  readonly at: number;
  readonly error?: string;
}

const certsKey = (r: RedisHandle) => r.key('certs');
const settingsKey = (r: RedisHandle) => r.key('tls', 'settings');
const acmeStatusKey = (r: RedisHandle) => r.key('acme', 'status');
const challengeKey = (r: RedisHandle, token: string) => r.key('acme', 'challenge', token);

const announce = (r: RedisHandle, m: ReturnType<RedisHandle['client']['multi']>) => publishChange(r, m, { kind: 'certs' }).exec();

export async function putCert(r: RedisHandle, cert: StoredCert): Promise<void> {
  const sealed = { ...cert, key: seal(r, cert.key, certAad(cert.id)) };
  await announce(r, r.client.multi().hset(certsKey(r), cert.id, JSON.stringify(sealed)));
}

export async function deleteCert(r: RedisHandle, id: string): Promise<void> {
  await announce(r, r.client.multi().hdel(certsKey(r), id));
}

export async function allCerts(r: RedisHandle): Promise<StoredCert[]> {
  return Object.entries(await r.client.hgetall(certsKey(r))).map(([id, v]) => {
    const c = JSON.parse(v) as StoredCert;
    return { ...c, key: unseal(r, c.key, certAad(id)) };
  });
}

/** Seals the TLS private keys an older Berth stored in clear (onlyPlain), or moves all to the current key; routers reload. */
export function resealTlsKeys(r: RedisHandle, onlyPlain: boolean): Promise<number> {
  return resealTls(r, onlyPlain, () => announce(r, r.client.multi()).then(() => undefined));
}

export async function appCerts(r: RedisHandle, app: string): Promise<StoredCert[]> {
  return (await allCerts(r)).filter((c) => c.app === app);
}

export const DEFAULT_TLS_SETTINGS: TlsSettings = { redirectHttps: false, auto: false };

export async function getTlsSettings(r: RedisHandle, app: string): Promise<TlsSettings> {
  const raw = await r.client.hget(settingsKey(r), app);
  return raw ? { ...DEFAULT_TLS_SETTINGS, ...(JSON.parse(raw) as Partial<TlsSettings>) } : DEFAULT_TLS_SETTINGS;
}

export async function setTlsSettings(r: RedisHandle, app: string, change: Partial<TlsSettings>): Promise<TlsSettings> {
  const next = { ...(await getTlsSettings(r, app)), ...change };
  await announce(r, r.client.multi().hset(settingsKey(r), app, JSON.stringify(next)));
  return next;
}

export async function allTlsSettings(r: RedisHandle): Promise<Map<string, TlsSettings>> {
  const raw = await r.client.hgetall(settingsKey(r));
  return new Map(Object.entries(raw).map(([app, v]) => [app, { ...DEFAULT_TLS_SETTINGS, ...(JSON.parse(v) as Partial<TlsSettings>) }]));
}

export async function setAcmeStatus(r: RedisHandle, app: string, status: AcmeStatus): Promise<void> {
  await r.client.hset(acmeStatusKey(r), app, JSON.stringify(status));
}

export async function getAcmeStatus(r: RedisHandle, app: string): Promise<AcmeStatus | undefined> {
  const raw = await r.client.hget(acmeStatusKey(r), app);
  return raw ? (JSON.parse(raw) as AcmeStatus) : undefined;
}

/** Drops every certificate, setting and ACME status of an app. */
export async function removeAppTls(r: RedisHandle, app: string): Promise<void> {
  const ids = (await appCerts(r, app)).map((c) => c.id);
  const m = r.client.multi().hdel(settingsKey(r), app).hdel(acmeStatusKey(r), app);
  if (ids.length) m.hdel(certsKey(r), ...ids);
  await announce(r, m);
}

// HTTP-01 answers live only as long as a validation can take.
export async function putChallenge(r: RedisHandle, token: string, keyAuthorization: string): Promise<void> {
  await r.client.set(challengeKey(r, token), keyAuthorization, 'EX', 900);
}

export async function getChallenge(r: RedisHandle, token: string): Promise<string | undefined> {
  return (await r.client.get(challengeKey(r, token))) ?? undefined;
}

export async function deleteChallenge(r: RedisHandle, token: string): Promise<void> {
  await r.client.del(challengeKey(r, token));
}

/** One PEM blob shared by every router (the ACME account key, the fallback pair). */
export async function getOrCreateSecret(r: RedisHandle, name: string, create: () => Promise<string>): Promise<string> {
  const key = r.key('tls', 'secret', name);
  const existing = await r.client.get(key);
  if (existing) return unseal(r, existing, secretAad(name));
  const made = await create();
  // Two routers may race here: the first write wins, everyone uses it.
  await r.client.set(key, seal(r, made, secretAad(name)), 'NX');
  const won = await r.client.get(key);
  return won === null ? made : unseal(r, won, secretAad(name));
}

/** Names (SANs, else the CN) and expiry of a PEM certificate's leaf. */
export function certFacts(pem: string): { hostnames: string[]; notAfter: number; issuer: string; selfSigned: boolean } {
  const x = new X509Certificate(pem);
  const sans = (x.subjectAltName ?? '').split(',').map((s) => s.trim()).filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4).toLowerCase());
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(x.subject)?.[1]?.toLowerCase();
  return {
    hostnames: sans.length ? sans : cn ? [cn] : [],
    notAfter: Date.parse(x.validTo),
    issuer: /(?:^|\n)CN=([^\n]+)/.exec(x.issuer)?.[1] ?? x.issuer,
    selfSigned: x.issuer === x.subject,
  };
}

export async function getSecret(r: RedisHandle, name: string): Promise<string | undefined> {
  const stored = await r.client.get(r.key('tls', 'secret', name));
  return stored === null ? undefined : unseal(r, stored, secretAad(name));
}

export async function putSecret(r: RedisHandle, name: string, value: string): Promise<void> {
  await r.client.set(r.key('tls', 'secret', name), seal(r, value, secretAad(name)));
}
