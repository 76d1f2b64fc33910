// certs:remove — drops one certificate; its names fall back to another
// certificate that covers them, or to the self-signed one.
import { fail } from '../../shared/errors.js';
import { appCerts, deleteCert } from '../../store/certs.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

export async function certsRemove(input: { app: unknown; id: unknown }, deps: OpsDeps): Promise<{ removed: string }> {
  const app = await requireApp(input.app, deps);
  const id = String(input.id ?? '');
  if (!(await appCerts(deps.redis, app.name)).some((c) => c.id === id)) {
    throw fail('certificate_not_found', `${app.name} has no certificate ${id}`, `see berth certs ${app.name}`);
  }
  await deleteCert(deps.redis, id);
  return { removed: id };
}
