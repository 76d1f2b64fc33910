// The docker-local scheduler: one Docker Engine, containers labelled per
// design §3, routes published to the store for the router.
import { listContainers, stopAndRemove } from '../../docker/containers.js';
import { LABEL } from '../../docker/labels.js';
import { releaseTag } from '../../shared/types.js';
import { setRoute } from '../../store/routes.js';
import { DEFAULT_FORMATION, type Scheduler } from '../scheduler.js';
import { deployLocal, type LocalDeps } from './deploy.js';

const silentLog = { step() {}, detail() {}, error() {}, raw() {} };

export function dockerLocalScheduler(deps: LocalDeps): Scheduler {
  return {
    deploy: (release, formation, log) => deployLocal(deps, release, formation, log),

    async reconcile(app, current) {
      if (!current) return;
      const tag = releaseTag(current.version);
      const web = await listContainers(deps.docker, [`${LABEL.app}=${app}`, `${LABEL.release}=${tag}`, `${LABEL.process}=web`]);
      const upstreams = web.filter((c) => c.state === 'running' && c.ip).map((c) => `${c.ip}:${c.env.PORT ?? current.port}`);
      if (upstreams.length > 0) {
        await setRoute(deps.redis, { app, upstreams, release: tag });
        return;
      }
      // Nothing of the current release runs (Docker was restarted or the
      // containers were removed): start it again rather than serve 503s.
      const outcome = await deployLocal(deps, current, DEFAULT_FORMATION, silentLog);
      await outcome.retire();
    },

    async stop(app) {
      const all = await listContainers(deps.docker, [`${LABEL.app}=${app}`], true);
      await Promise.all(all.map((c) => stopAndRemove(deps.docker, c.id, deps.config.runtime.stopTimeoutSec)));
    },
  };
}
