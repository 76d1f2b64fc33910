// domains — the custom domains of an app (GET /apps/:app/domains).
import { listDomains } from '../../store/domains.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

export async function domainsList(input: { app: unknown }, deps: OpsDeps): Promise<{ domains: string[] }> {
  const app = await requireApp(input.app, deps);
  return { domains: await listDomains(deps.redis, app.name) };
}
