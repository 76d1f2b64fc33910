// certs — an app's certificates, its ACME state and its HTTPS redirect.
import { getAcmeStatus, appCerts, getTlsSettings, type AcmeStatus, type StoredCert } from '../../store/certs.js';
import { listDomains } from '../../store/domains.js';
import type { AppRecord } from '../../shared/types.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

export interface CertSummary {
  readonly id: string;
  readonly source: StoredCert['source'];
  readonly hostnames: readonly string[];
  /** The app's names this certificate serves. */
  readonly serves: string[];
  readonly notAfter: string;
  readonly expired: boolean;
}

export interface CertsReport {
  readonly certs: CertSummary[];
  readonly auto: boolean;
  readonly acme?: AcmeStatus;
  readonly redirectHttps: boolean;
}

/** `<app>.<domain>` and the custom domains: the names a certificate may serve. */
export async function appNames(app: AppRecord, deps: OpsDeps): Promise<string[]> {
  return [`${app.name}.${deps.config.domain}`, ...(await listDomains(deps.redis, app.name))];
}

export function covers(certNames: readonly string[], name: string): boolean {
  if (certNames.includes(name)) return true;
  const dot = name.indexOf('.');
  return !name.startsWith('*.') && dot > 0 && certNames.includes(`*${name.slice(dot)}`);
}

export function summarise(c: StoredCert, names: readonly string[]): CertSummary {
  return {
    id: c.id, source: c.source, hostnames: c.hostnames, serves: names.filter((n) => covers(c.hostnames, n)),
    notAfter: new Date(c.notAfter).toISOString(), expired: c.notAfter < Date.now(),
  };
}

export async function certsList(input: { app: unknown }, deps: OpsDeps): Promise<CertsReport> {
  const app = await requireApp(input.app, deps);
  const [certs, settings, acme, names] = await Promise.all([
    appCerts(deps.redis, app.name), getTlsSettings(deps.redis, app.name), getAcmeStatus(deps.redis, app.name), appNames(app, deps),
  ]);
  return { certs: certs.map((c) => summarise(c, names)), auto: settings.auto, acme, redirectHttps: settings.redirectHttps };
}
