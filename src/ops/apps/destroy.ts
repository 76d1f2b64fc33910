// apps:destroy — removes the app's containers, images, cache volumes, route,
// git repository, build logs and state. Asks for the name twice, as Heroku.
// Its storage volumes (its data) stay unless purgeStorage, and the answer names them.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fail } from '../../shared/errors.js';
import { deleteAppState } from '../../store/apps.js';
import { syncCronSchedules } from '../../queue/cron-queue.js';
import { removeAllDomains } from '../../store/domains.js';
import { removeAppTls } from '../../store/certs.js';
import { deleteTraffic } from '../../store/routes.js';
import { waitForAppLease } from '../../pipeline/app-lease.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';
import { dropAppLinks } from '../services/link.js';

export async function appsDestroy(
  input: { app: unknown; confirm: unknown; purgeStorage?: boolean }, deps: OpsDeps,
): Promise<{ destroyed: string; keptVolumes: string[]; purgedStorage: boolean }> {
  const app = await requireApp(input.app, deps);
  if (input.confirm !== app.name) {
    throw fail('confirmation_required', `destroying ${app.name} needs confirmation`, `run: berth apps:destroy ${app.name} --confirm ${app.name}`);
  }
  const lease = await waitForAppLease(deps.redis, app.name, 60_000);
  let keptVolumes: string[];
  try {
    // Services leave the app's network first, or Docker would refuse to remove it.
    await dropAppLinks(app.name, deps);
    ({ keptVolumes } = await deps.scheduler.destroy(app.name, { purgeStorage: input.purgeStorage === true }));
    await rm(path.join(deps.config.dataDir, 'repos', `${app.name}.git`), { recursive: true, force: true });
    await syncCronSchedules(deps.redis, app.name, []);
    await deleteAppState(deps.redis, app.name);
    await removeAllDomains(deps.redis, app.name);
    await removeAppTls(deps.redis, app.name);
    await deleteTraffic(deps.redis, app.name);
  } finally {
    await lease.release();
  }
  return { destroyed: app.name, keptVolumes, purgedStorage: input.purgeStorage === true };
}
