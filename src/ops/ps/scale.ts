// ps — the app's processes; ps:scale — replica counts per process type.
import { getFormation, getResources, setFormation } from '../../store/apps.js';
import { effectiveFormation } from '../../runtime/scheduler.js';
import { waitForAppLease } from '../../pipeline/app-lease.js';
import { requireApp, requireCurrentRelease } from '../app-lookup.js';
import { collectingLog } from '../collecting-log.js';
import type { OpsDeps } from '../deps.js';
import { validateFormation } from './formation.js';
import { listMounts } from '../../store/storage.js';
import { scaleRefusal } from '../../shared/storage-replicas.js';

export async function psList(input: { app: unknown }, deps: OpsDeps) {
  const app = await requireApp(input.app, deps);
  const current = await requireCurrentRelease(app, deps).catch(() => undefined);
  const stored = await getFormation(deps.redis, app.name);
  return {
    formation: current ? effectiveFormation(current, stored) : stored,
    processes: await deps.scheduler.ps(app.name),
  };
}

export async function psScale(input: { app: unknown; formation: unknown }, deps: OpsDeps) {
  const app = await requireApp(input.app, deps);
  const release = await requireCurrentRelease(app, deps);
  const wanted = validateFormation(input.formation, release);
  const lease = await waitForAppLease(deps.redis, app.name, 60_000);
  const log = collectingLog();
  try {
    const current = effectiveFormation(release, await getFormation(deps.redis, app.name));
    // The running release's mounts and the stored ones (the next release's): either pins a type.
    const mounts = [...(release.mounts ?? []), ...(await listMounts(deps.redis, app.name))];
    const refusal = scaleRefusal(app.name, wanted, current, mounts, deps.scheduler.storageReplicas);
    if (refusal) throw refusal;
    const formation = { ...current, ...wanted };
    await deps.scheduler.scale(release, formation, log, await getResources(deps.redis, app.name));
    // Stored only once it runs, so a failed scale-up leaves the old count.
    await setFormation(deps.redis, app.name, formation);
  } finally {
    await lease.release();
  }
  return { ...(await psList(input, deps)), log: log.lines };
}
