// Health after go-live on one engine. Docker restarts a process that exits,
// but not one that stops answering, so for the watch after go-live the
// scheduler looks at each serving web process of the release with the check
// Swarm's task health check makes (which Swarm acts on itself: it replaces
// the task, and its ps shows a restart). A process that refuses connections
// is not reported: it crashed or is booting, which ps already counts.
import { LABEL } from '../../docker/labels.js';
import { releaseTag, type Release } from '../../shared/types.js';
import type { WebHealth } from '../scheduler.js';
import { probeOnce } from './health-check.js';
import { appProcesses, procIndex, procType, type LocalDeps } from './processes.js';

// As Swarm's task check (swarm/service-spec.ts): at least 3 s for an answer, at least 3 failures in a row.
const MIN_TIMEOUT_SEC = 3;
const MIN_ATTEMPTS = 3;

export async function checkWebLocal(deps: LocalDeps, release: Release): Promise<WebHealth[]> {
  const tag = releaseTag(release.version);
  const web = (await appProcesses(deps, release.app, false))
    .filter((c) => procType(c) === 'web' && c.labels[LABEL.release] === tag && c.state === 'running' && c.ip);
  const check = release.healthchecks?.web?.[0];
  const timeoutMs = Math.max(MIN_TIMEOUT_SEC, check?.timeoutSec ?? 0) * 1000;
  const attempts = Math.max(MIN_ATTEMPTS, check?.attempts ?? 0);
  const host = `${release.app}.${deps.config.domain}`;
  return Promise.all(web.map(async (c): Promise<WebHealth> => {
    const result = await probeOnce(c.ip!, Number(c.env.PORT ?? release.port), host, check?.path, timeoutMs);
    const name = `web.${procIndex(c)}`;
    return result.ok || result.refused ? { name, attempts } : { name, attempts, failure: result.why };
  }));
}
