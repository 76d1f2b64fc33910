// Recomputes an app's route from the containers that really serve: used
// after a server restart and whenever a web process dies or comes back.
import { LABEL } from '../../docker/labels.js';
import { releaseTag, type Release } from '../../shared/types.js';
import { setRoute } from '../../store/routes.js';
import { appProcesses, procType, type LocalDeps } from './processes.js';
import { canConnect } from './wait-for-port.js';

export interface Serving {
  /** `ip:port` of each running web container of the release whose port accepts. */
  readonly upstreams: string[];
  /** Running web containers of the release whose port does not accept (yet): still booting. */
  readonly booting: number;
}

export async function servingUpstreams(deps: LocalDeps, current: Release): Promise<Serving> {
  const tag = releaseTag(current.version);
  const web = (await appProcesses(deps, current.app, false))
    .filter((c) => procType(c) === 'web' && c.labels[LABEL.release] === tag && c.state === 'running' && c.ip);
  const upstreams: string[] = [];
  for (const c of web) {
    const port = Number(c.env.PORT ?? current.port);
    if (await canConnect(c.ip!, port, 300)) upstreams.push(`${c.ip}:${port}`);
  }
  return { upstreams, booting: web.length - upstreams.length };
}

/** After a restart: a standby outlives no watch (watches end with the process that ran them), so it goes. */
export async function refreshRoutes(deps: LocalDeps, current: Release): Promise<string[]> {
  const { upstreams } = await servingUpstreams(deps, current);
  await setRoute(deps.redis, { app: current.app, upstreams, release: releaseTag(current.version), standby: [] });
  return upstreams;
}
