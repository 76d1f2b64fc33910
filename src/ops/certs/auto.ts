// certs:auto — Let's Encrypt (or BERTH_ACME_DIRECTORY) for the app. The router
// does the ordering, the HTTP-01 answer and the renewals (src/router/acme.ts);
// this marks the app and waits a while for the first outcome.
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../../shared/errors.js';
import { getAcmeStatus, setAcmeStatus, setTlsSettings } from '../../store/certs.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';
import { certsList, type CertsReport } from './list.js';

export async function certsAuto(input: { app: unknown; waitMs?: number }, deps: OpsDeps): Promise<CertsReport> {
  const app = await requireApp(input.app, deps);
  // Status first: the settings change is what routers hear.
  await setAcmeStatus(deps.redis, app.name, { state: 'pending', at: Date.now() });
  await setTlsSettings(deps.redis, app.name, { auto: true });
  const deadline = Date.now() + (input.waitMs ?? 90_000);
  while (Date.now() < deadline && (await getAcmeStatus(deps.redis, app.name))?.state === 'pending') await sleep(250);
  const report = await certsList({ app: app.name }, deps);
  if (report.acme?.state === 'failed') {
    throw new BerthError('acme_failed', `the ACME order for ${app.name} failed: ${report.acme.error ?? 'unknown error'}`, {
      hint: 'the CA must reach this server on port 80 under every name of the app; renewals are retried twice a day',
    });
  }
  return report;
}

export async function certsAutoDisable(input: { app: unknown }, deps: OpsDeps): Promise<CertsReport> {
  const app = await requireApp(input.app, deps);
  await setTlsSettings(deps.redis, app.name, { auto: false });
  return certsList({ app: app.name }, deps);
}
