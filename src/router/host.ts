// Host header -> app name. Browsers, curl and proxies disagree on case, ports
// and the trailing root dot, so every spelling of one host must map to one app.
import { APP_NAME_PATTERN } from '../shared/app-name.js';

/** Lowercase, without `:port` and without the trailing root dot. */
export function normaliseHost(raw: string | undefined): string {
  if (!raw) return '';
  let host = raw.trim().toLowerCase();
  if (host.startsWith('[')) {
    // An IPv6 literal keeps its colons; only what follows `]` is a port.
    const end = host.indexOf(']');
    if (end !== -1) host = host.slice(0, end + 1);
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) host = host.slice(0, colon);
  }
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/**
 * The app a normalised host names, or undefined. Only `<app>.<domain>` counts:
 * a nested label (`a.b.<domain>`) or a foreign domain is nobody's app.
 */
export function appFromHost(host: string, domain: string): string | undefined {
  const suffix = `.${normaliseHost(domain)}`;
  if (suffix === '.' || !host.endsWith(suffix)) return undefined;
  const label = host.slice(0, -suffix.length);
  // The pattern has no dot, so it also rejects nested labels.
  return APP_NAME_PATTERN.test(label) ? label : undefined;
}

const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)([^#]*)/i;

/**
 * A request in absolute form (`GET http://host/path`, as proxies and some
 * clients send) names its host in the URI, which wins over the Host header
 * (RFC 9112 §3.2.2). Apps expect origin form (`/path`), as nginx sends them,
 * so the request is rewritten in place: Host from the URI, the URL without it.
 */
export function toOriginForm(req: { url?: string; headers: { host?: string } }): void {
  const url = req.url;
  if (!url || url.startsWith('/')) return;
  const m = ABSOLUTE_FORM.exec(url);
  if (!m) return;
  // The authority's userinfo (`user:pass@`) is never part of the Host.
  const authority = m[1]!.slice(m[1]!.lastIndexOf('@') + 1);
  if (authority) req.headers.host = authority;
  const rest = m[2]!;
  req.url = rest.startsWith('/') ? rest : `/${rest}`;
}
