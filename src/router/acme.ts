// Let's Encrypt (any ACME CA) for apps with certs:auto: the router orders a
// certificate for `<app>.<domain>` and the app's exact custom domains, answers
// the HTTP-01 challenge itself (index.ts serves /.well-known/acme-challenge/
// from Redis) and renews before expiry. certs:auto marks the app `pending`;
// every router hears that, and a per-app lease makes exactly one of them order.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { BerthConfig } from '../config/index.js';
import { allDomains } from '../store/domains.js';
import {
  allCerts, allTlsSettings, certFacts, deleteChallenge, getAcmeStatus, getOrCreateSecret, getSecret, putCert, putChallenge, putSecret,
  setAcmeStatus,
} from '../store/certs.js';
import { tryLease } from '../store/locks.js';
import type { RedisHandle } from '../store/redis.js';
import { watchRouterState } from '../store/routes.js';

export interface Acme { check(): Promise<void>; close(): void }

/** The names one certificate covers: HTTP-01 cannot prove a wildcard. */
export async function acmeNames(redis: RedisHandle, app: string, domain: string): Promise<string[]> {
  const custom = Object.entries(await allDomains(redis)).filter(([h, a]) => a === app && !h.startsWith('*.')).map(([h]) => h);
  return [`${app}.${domain}`, ...custom.sort()];
}

// acme-client (and its crypto stack) loads only when a certificate is ordered:
// most routers never do, and it would cost each one ~10 MB.
async function loadAcme(caFile: string | undefined) {
  const { default: acme } = await import('acme-client');
  if (caFile && !acme.axios.defaults.httpsAgent) acme.axios.defaults.httpsAgent = new https.Agent({ ca: readFileSync(caFile) });
  return acme;
}

export async function issue(redis: RedisHandle, config: BerthConfig, app: string): Promise<void> {
  const settings = config.router.acme;
  const acme = await loadAcme(settings.caFile);
  const account = `acme-account:${settings.directoryUrl}`;
  const accountKey = await getOrCreateSecret(redis, account, async () => (await acme.crypto.createPrivateKey()).toString());
  // With the account's URL known, the client skips registration; registering
  // again would send an empty account update, which strict CAs refuse.
  const accountUrl = await getSecret(redis, `${account}:url`);
  const client = new acme.Client({ directoryUrl: settings.directoryUrl, accountKey, accountUrl });
  const names = await acmeNames(redis, app, config.domain);
  const [key, csr] = await acme.crypto.createCsr({ commonName: names[0], altNames: names });
  const cert = await client.auto({
    csr,
    email: settings.email,
    termsOfServiceAgreed: true,
    challengePriority: ['http-01'],
    // The CA checks reachability itself; our own DNS may not resolve the names (tests, split horizon).
    skipChallengeVerification: true,
    challengeCreateFn: (_authz, challenge, keyAuthorization) => putChallenge(redis, challenge.token, keyAuthorization),
    challengeRemoveFn: (_authz, challenge) => deleteChallenge(redis, challenge.token),
  });
  if (!accountUrl) await putSecret(redis, `${account}:url`, client.getAccountUrl());
  const facts = certFacts(cert);
  await putCert(redis, { id: `acme:${app}`, app, cert, key: key.toString(), hostnames: facts.hostnames, notAfter: facts.notAfter, source: 'acme' });
}

/** Apps whose certificate should be ordered now: pending, or close to expiry. */
async function due(redis: RedisHandle, config: BerthConfig): Promise<string[]> {
  const [settings, certs] = await Promise.all([allTlsSettings(redis), allCerts(redis)]);
  const out: string[] = [];
  for (const [app, s] of settings) {
    if (!s.auto) continue;
    const status = await getAcmeStatus(redis, app);
    const cert = certs.find((c) => c.id === `acme:${app}`);
    const expiring = !cert || cert.notAfter - Date.now() < config.router.acme.renewBeforeMs;
    if (status?.state === 'pending' || expiring) out.push(app);
  }
  return out;
}

export function startAcme(redis: RedisHandle, config: BerthConfig, log: (line: string) => void): Acme {
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const order = async (app: string, retryFailed: boolean) => {
    const lease = await tryLease(redis, `acme:${app}`, 120_000);
    if (!lease) return; // another router is on it
    try {
      const status = await getAcmeStatus(redis, app);
      // A failed order is retried by the periodic check or a new certs:auto, not on every message.
      if (status?.state === 'failed' && !retryFailed) return;
      await setAcmeStatus(redis, app, { state: 'pending', at: Date.now() });
      await issue(redis, config, app);
      await setAcmeStatus(redis, app, { state: 'issued', at: Date.now() });
      log(`router: acme: certificate issued for ${app}`);
    } catch (err) {
      const message = (err as Error).message;
      await setAcmeStatus(redis, app, { state: 'failed', at: Date.now(), error: message });
      log(`router: acme: ${app}: ${message}`);
    } finally {
      await lease.release();
    }
  };

  const check = (retryFailed = false): Promise<void> => {
    if (running) { again = true; return running; }
    running = (async () => {
      do {
        again = false;
        for (const app of await due(redis, config)) if (!closed) await order(app, retryFailed);
      } while (again && !closed);
    })().catch((err: Error) => log(`router: acme check failed: ${err.message}`)).finally(() => { running = undefined; });
    return running;
  };

  const sub = watchRouterState(redis, (c) => { if (c.kind === 'certs') void check(); });
  void sub.then(() => check(), (err: Error) => log(`router: acme: ${err.message}`));
  const timer = setInterval(() => void check(true), config.router.acme.checkIntervalMs);
  timer.unref();
  return {
    check: () => check(true),
    close() {
      closed = true;
      clearInterval(timer);
      void sub.then((s) => s.quit().catch(() => s.disconnect()), () => {});
    },
  };
}
