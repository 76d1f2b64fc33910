// certs:add — an uploaded certificate and key (PEM). Checked before it is
// stored: both parse, the key matches, it is not expired, and it serves at
// least one of the app's names. Routers pick it up over pub/sub (SNI).
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { fail } from '../../shared/errors.js';
import { certFacts, putCert } from '../../store/certs.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';
import { appNames, summarise, type CertSummary } from './list.js';

export async function certsAdd(input: { app: unknown; cert: unknown; key: unknown }, deps: OpsDeps): Promise<{ cert: CertSummary }> {
  const app = await requireApp(input.app, deps);
  if (typeof input.cert !== 'string' || typeof input.key !== 'string') {
    throw fail('invalid_certificate', 'send { cert, key } as PEM strings', 'berth certs:add <app> cert.pem key.pem');
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(input.cert);
  } catch {
    throw fail('invalid_certificate', 'the certificate is not a PEM X.509 certificate');
  }
  let ok = false;
  try {
    ok = x509.checkPrivateKey(createPrivateKey(input.key));
  } catch {
    throw fail('invalid_key', 'the key is not a PEM private key (an encrypted key needs its passphrase removed)');
  }
  if (!ok) throw fail('key_mismatch', 'the key does not belong to the certificate');
  const facts = certFacts(input.cert);
  if (facts.notAfter < Date.now()) throw fail('certificate_expired', `the certificate expired on ${new Date(facts.notAfter).toISOString()}`);
  const names = await appNames(app, deps);
  const id = `${app.name}:${createHash('sha256').update(x509.raw).digest('hex').slice(0, 16)}`;
  const stored = { id, app: app.name, cert: input.cert, key: input.key, hostnames: facts.hostnames, notAfter: facts.notAfter, source: 'manual' as const };
  const summary = summarise(stored, names);
  if (summary.serves.length === 0) {
    throw fail('certificate_mismatch', `the certificate is for ${facts.hostnames.join(', ') || 'no names'}, none of which is ${app.name}'s`,
      `add the domain first with berth domains:add ${app.name} <hostname>`);
  }
  await putCert(deps.redis, stored);
  return { cert: summary };
}
