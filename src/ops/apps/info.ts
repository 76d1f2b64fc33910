// apps:info — one app: release, URL, git remote, formation and processes.
import { getFormation } from '../../store/apps.js';
import { getRelease } from '../../store/apps.js';
import { listDomains } from '../../store/domains.js';
import { effectiveFormation } from '../../runtime/scheduler.js';
import { requireApp } from '../app-lookup.js';
import { appUrl } from '../../config/index.js';
import type { OpsDeps } from '../deps.js';
import { listMounts } from '../../store/storage.js';
import { mountKey } from '../../shared/storage-mount.js';

export async function appsInfo(input: { app: unknown; host?: string }, deps: OpsDeps) {
  const app = await requireApp(input.app, deps);
  const current = app.currentRelease ? await getRelease(deps.redis, app.name, app.currentRelease) : undefined;
  const stored = await getFormation(deps.redis, app.name);
  const processes = await deps.scheduler.ps(app.name);
  return {
    ...app,
    url: appUrl(deps.config, app.name),
    gitUrl: `http://berth:<token>@${input.host ?? `localhost:${deps.config.apiPort}`}/${app.name}.git`,
    formation: current ? effectiveFormation(current, stored) : stored,
    processTypes: current?.processTypes ?? {},
    // The replaced release standing by through the watch after go-live is not the app's own count.
    processes: processes.filter((p) => p.state !== 'standby').length,
    standby: processes.filter((p) => p.state === 'standby').length,
    domains: await listDomains(deps.redis, app.name),
    storage: (await listMounts(deps.redis, app.name)).map((m) => ({ mount: mountKey(m), kind: m.kind, processes: m.processes ?? null })),
  };
}
