// domains:remove — the hostname stops routing to the app (404 from then on).
import { fail } from '../../shared/errors.js';
import { listDomains, removeDomain } from '../../store/domains.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

export async function domainsRemove(input: { app: unknown; hostname: unknown }, deps: OpsDeps): Promise<{ domains: string[] }> {
  const app = await requireApp(input.app, deps);
  const hostname = String(input.hostname ?? '').trim().toLowerCase().replace(/\.$/, '');
  if (!(await removeDomain(deps.redis, app.name, hostname))) {
    throw fail('domain_not_found', `${hostname} is not a domain of ${app.name}`, `see berth domains ${app.name}`);
  }
  return { domains: await listDomains(deps.redis, app.name) };
}
