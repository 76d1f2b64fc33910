// The docker-local scheduler: one Docker Engine, containers labelled per
// design §3, routes published to the store for the router.
import { randomBytes } from 'node:crypto';
import { listContainers, stopAndRemove } from '../../docker/containers.js';
import { LABEL, berthLabels } from '../../docker/labels.js';
import { removeImage } from '../../docker/containers.js';
import { ensureAppNetwork, removeAppNetwork } from '../../docker/networks.js';
import { runOneOff } from '../../docker/one-off.js';
import { runAndCommit } from '../../docker/commit-run.js';
import { releaseTag, type Release } from '../../shared/types.js';
import { deleteRoute, setRoute } from '../../store/routes.js';
import type { RunOptions, Scheduler } from '../scheduler.js';
import type { OneOffSpec } from '../../docker/one-off.js';
import { deployLocal, retireContainers } from './deploy.js';
import { appProcesses, containerEnv, type LocalDeps } from './processes.js';
import { psLocal } from './ps.js';
import { checkWebLocal } from './web-health.js';
import { refreshRoutes } from './routes.js';
import { scaleLocal } from './scale.js';
import { localServiceRuntime } from './services.js';
import { processMounts } from '../storage-mounts.js';
import { listStorageVolumes, removeStorageVolumes, STORAGE_LABEL } from '../../docker/storage.js';

export type { LocalDeps } from './processes.js';
export { refreshRoutes } from './routes.js';

const silentLog = { step() {}, detail() {}, error() {}, raw() {} };

/** A one-off's container (`run`, the release command, app.json's tasks): named, labelled, limited and on the app's network. */
async function oneOffBase(deps: LocalDeps, release: Release, opts: Omit<RunOptions, 'detach'>): Promise<Omit<OneOffSpec, 'detach'>> {
  const n = randomBytes(2).toString('hex');
  const tag = releaseTag(release.version);
  const proc = opts.process ?? 'run';
  return {
    name: `berth-${release.app}-${proc}-${tag}-${n}`,
    image: release.image,
    command: opts.command,
    env: containerEnv(release, 'run', parseInt(n, 16), undefined),
    labels: berthLabels(release.app, tag, proc, 'run'),
    memoryBytes: deps.config.runtime.memoryBytes,
    cpus: deps.config.runtime.cpus || undefined,
    pidsLimit: deps.config.runtime.pidsLimit,
    network: await ensureAppNetwork(deps.docker, release.app, deps.config.runtime.networkPool),
    mounts: await processMounts(deps.docker, deps.config, release, undefined),
    onOutput: opts.onOutput,
    signal: opts.signal,
  };
}

export function dockerLocalScheduler(deps: LocalDeps): Scheduler {
  return {
    deploy: (release, formation, log, opts) => deployLocal(deps, release, formation, log, opts),
    scale: (release, formation, log, resources) => scaleLocal(deps, release, formation, log, resources),
    ps: (app) => psLocal(deps, app),
    checkWeb: (release) => checkWebLocal(deps, release),
    services: localServiceRuntime(deps),

    async reconcile(app, current, formation) {
      if (!current) return;
      const upstreams = await refreshRoutes(deps, current);
      const running = (await appProcesses(deps, app, false)).filter((c) => c.labels[LABEL.release] === releaseTag(current.version));
      if (running.length > 0 || Object.values(formation).every((n) => n === 0)) return;
      // Nothing of the current release runs (Docker was restarted or the
      // containers were removed): start it again rather than serve 503s.
      if (upstreams.length === 0) {
        const outcome = await deployLocal(deps, current, formation, silentLog);
        await outcome.retire();
      }
    },

    async stop(app) {
      const all = await appProcesses(deps, app);
      const current = all.find((c) => c.labels[LABEL.role] === 'web')?.labels[LABEL.release] ?? '';
      await setRoute(deps.redis, { app, upstreams: [], release: current });
      await retireContainers(deps, all);
    },

    async destroy(app, opts = {}) {
      const all = await listContainers(deps.docker, [`${LABEL.app}=${app}`], true);
      await Promise.all(all.map((c) => stopAndRemove(deps.docker, c.id, 0)));
      await deleteRoute(deps.redis, app);
      const images = await deps.docker.listImages({ filters: { label: [`${LABEL.app}=${app}`] } });
      for (const img of images) {
        for (const tag of img.RepoTags ?? []) await removeImage(deps.docker, tag).catch(() => {});
        await removeImage(deps.docker, img.Id).catch(() => {});
      }
      // Storage volumes hold the app's data: they stay unless asked for (apps:destroy --purge-storage).
      const { Volumes } = await deps.docker.listVolumes({ filters: { label: [`${LABEL.app}=${app}`] } });
      for (const v of Volumes ?? []) {
        if (v.Labels?.[STORAGE_LABEL] === undefined) await deps.docker.getVolume(v.Name).remove().catch(() => {});
      }
      const kept = opts.purgeStorage ? (await removeStorageVolumes(deps.docker, app), []) : await listStorageVolumes(deps.docker, app);
      await removeAppNetwork(deps.docker, app).catch((err) => console.error(`destroy ${app}: network: ${err.message}`));
      return { keptVolumes: kept };
    },

    async run(release, opts) {
      return runOneOff(deps.docker, { ...(await oneOffBase(deps, release, opts)), detach: opts.detach });
    },

    async runAndCommit(release, opts) {
      return runAndCommit(deps.docker, {
        ...(await oneOffBase(deps, release, opts)),
        target: release.image,
        maxSec: deps.config.build.timeoutMs / 1000 + 60,
      });
    },
  };
}
