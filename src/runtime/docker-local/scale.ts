// ps:scale on the running release: new replicas are started and checked
// before they are routed; removed web replicas leave the route first, then
// drain, then stop. Other process types just start or stop.
import { releaseTag, type Release } from '../../shared/types.js';
import type { BuildLog } from '../../shared/build-log.js';
import { setRoute } from '../../store/routes.js';
import { LABEL } from '../../docker/labels.js';
import type { ContainerView } from '../../docker/containers.js';
import type { Formation, Resources } from '../scheduler.js';
import { checkBoot, type BootError } from './boot-check.js';
import { removeStarted, retireContainers } from './deploy.js';
import { appProcesses, procIndex, procType, startProcess, type LocalDeps, type Proc } from './processes.js';

export async function scaleLocal(deps: LocalDeps, release: Release, formation: Formation, log: BuildLog, resources?: Resources): Promise<void> {
  const tag = releaseTag(release.version);
  const current = (await appProcesses(deps, release.app)).filter((c) => c.labels[LABEL.release] === tag);
  const started: Proc[] = [];
  const extras: ContainerView[] = [];
  try {
    for (const [type, want] of Object.entries(formation)) {
      const have = current.filter((c) => procType(c) === type);
      const used = new Set(have.map(procIndex));
      for (let i = 1; used.size < want && i <= 1000; i++) {
        if (used.has(i)) continue;
        used.add(i);
        started.push(await startProcess(deps, release, type, i, resources));
      }
      extras.push(...have.sort((a, b) => procIndex(b) - procIndex(a)).slice(0, Math.max(0, have.length - want)));
    }
    const newWeb = await Promise.all(started.filter((s) => s.type === 'web').map((p) => checkBoot(deps, release, p)));
    const keptWeb = current.filter((c) => procType(c) === 'web' && !extras.includes(c) && c.state === 'running' && c.ip)
      .map((c) => `${c.ip}:${c.env.PORT ?? release.port}`);
    await setRoute(deps.redis, { app: release.app, upstreams: [...keptWeb, ...newWeb], release: tag });
  } catch (err) {
    for (const l of (err as BootError).logLines ?? []) log.raw(l);
    await removeStarted(deps, started);
    throw err;
  }
  if (started.length) log.detail(`started ${started.map((s) => `${s.type}.${s.index}`).join(', ')}`);
  if (extras.length) log.detail(`stopping ${extras.map((c) => `${procType(c)}.${procIndex(c)}`).join(', ')}`);
  await retireContainers(deps, extras);
}
