// A host switched to Swarm (install.sh --swarm-manager) still runs the
// containers the local scheduler started for its apps. Once an app's
// services serve and its route points at them, those containers go: the
// switch neither leaves the app down nor runs it twice. Swarm's own task
// containers on this engine, builds and one-offs are not touched.
import { LABEL } from '../../docker/labels.js';
import { listContainers, stopAndRemove } from '../../docker/containers.js';
import type { SwarmDeps } from './services.js';

const SWARM_TASK = 'com.docker.swarm.task.id';

export async function retireLocalContainers(deps: SwarmDeps, app: string): Promise<number> {
  const all = await listContainers(deps.docker, [`${LABEL.app}=${app}`], true);
  const local = all.filter((c) => !c.labels[SWARM_TASK] && !['build', 'run'].includes(c.labels[LABEL.role] ?? ''));
  await Promise.all(local.map((c) => stopAndRemove(deps.docker, c.id, deps.config.runtime.stopTimeoutSec)));
  return local.length;
}
