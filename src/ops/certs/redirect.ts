// certs:redirect — per app, plain HTTP answers 308 to the same URL on HTTPS.
import { fail } from '../../shared/errors.js';
import { setTlsSettings } from '../../store/certs.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

export async function certsRedirect(input: { app: unknown; enabled: unknown }, deps: OpsDeps): Promise<{ redirectHttps: boolean }> {
  const app = await requireApp(input.app, deps);
  if (typeof input.enabled !== 'boolean') throw fail('invalid_redirect', 'send { enabled: true } or { enabled: false }');
  if (input.enabled && deps.config.router.tlsPort === undefined) {
    throw fail('https_disabled', 'the router has no HTTPS listener', 'set BERTH_ROUTER_TLS_PORT and restart Berth');
  }
  const settings = await setTlsSettings(deps.redis, app.name, { redirectHttps: input.enabled });
  return { redirectHttps: settings.redirectHttps };
}
