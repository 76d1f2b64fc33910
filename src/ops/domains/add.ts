// domains:add — routes a hostname (or a `*.` wildcard) to the app at once,
// on every router. A name another app holds is a 409.
import { fail } from '../../shared/errors.js';
import { addDomain, listDomains } from '../../store/domains.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';
import { parseHostname } from './hostname.js';

export async function domainsAdd(input: { app: unknown; hostname: unknown }, deps: OpsDeps): Promise<{ domains: string[] }> {
  const app = await requireApp(input.app, deps);
  const hostname = parseHostname(input.hostname, deps.config.domain);
  const owner = await addDomain(deps.redis, app.name, hostname);
  if (owner !== app.name) throw fail('domain_taken', `${hostname} is already a domain of another app`, 'remove it there first with domains:remove');
  return { domains: await listDomains(deps.redis, app.name) };
}
