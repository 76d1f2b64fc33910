// workers — the build workers that beat in Redis: up ones with their
// concurrency and current builds, and for a day the ones that went quiet.
import { getBuild } from '../../store/builds.js';
import { listWorkers, type WorkerRecord } from '../../store/workers.js';
import type { OpsDeps } from '../deps.js';

export interface WorkerView extends WorkerRecord {
  /** `app@build` for each current build, so the list reads without a second lookup. */
  readonly building: readonly string[];
}

export async function workersList(_input: Record<string, never>, deps: Pick<OpsDeps, 'redis'>): Promise<WorkerView[]> {
  const workers = await listWorkers(deps.redis);
  return Promise.all(workers.map(async (w) => ({
    ...w,
    building: await Promise.all(w.current.map(async (id) => `${(await getBuild(deps.redis, id))?.app ?? '?'}@${id}`)),
  })));
}
