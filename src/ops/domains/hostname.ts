// A custom domain as the user typed it -> a normalised hostname, or a 400.
// Exact names and one leading `*.` wildcard; names under the Berth domain are
// refused, since `<app>.<domain>` already belongs to each app.
import { fail } from '../../shared/errors.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function parseHostname(raw: unknown, berthDomain: string): string {
  const host = typeof raw === 'string' ? raw.trim().toLowerCase().replace(/\.$/, '') : '';
  const labels = host.split('.');
  const wildcard = labels[0] === '*';
  const named = wildcard ? labels.slice(1) : labels;
  if (!host || host.length > 253 || named.length < 2 || !named.every((l) => LABEL.test(l)) || /^[0-9.]+$/.test(host)) {
    throw fail('invalid_hostname', `"${String(raw)}" is not a valid hostname`, 'use a name like www.example.com or *.example.com');
  }
  const domain = berthDomain.toLowerCase();
  if (host === domain || host.endsWith(`.${domain}`)) {
    throw fail('reserved_hostname', `${host} is under the Berth domain ${domain}`, `every app already answers at <app>.${domain}`);
  }
  return host;
}
