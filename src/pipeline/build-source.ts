// A pushed tree reaches the build worker. On one host the worker reads the
// tar the receiver left in the builds dir. When builds run elsewhere (this
// server has BERTH_BUILDS=off, or other workers are alive), the receiver
// also puts the tar in Redis, and a worker without the file fetches it.
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import type { BerthConfig } from '../config/index.js';
import { BerthError } from '../shared/errors.js';
import { dropBuildSource, getBuildSource, putBuildSource } from '../store/builds.js';
import type { RedisHandle } from '../store/redis.js';
import { hasOtherLiveWorkers } from '../store/workers.js';
import { buildsDir, buildTarPath } from './paths.js';

/** A queued push may wait a while for a free worker; a day bounds what a lost one leaves in Redis. */
const SOURCE_TTL_MS = 86_400_000;

interface SourceDeps { readonly config: BerthConfig; readonly redis: RedisHandle }

/** Called once the tar is in place and before the build is queued. */
export async function shareSource(deps: SourceDeps, buildId: string): Promise<boolean> {
  const remote = !deps.config.build.runHere || (await hasOtherLiveWorkers(deps.redis, deps.config.workerName));
  if (!remote) return false;
  await putBuildSource(deps.redis, buildId, await readFile(buildTarPath(deps.config, buildId)), SOURCE_TTL_MS);
  return true;
}

/** Makes sure the build's tar is on this worker's disk; throws a sentence if it is nowhere. */
export async function ensureSource(deps: SourceDeps, buildId: string): Promise<void> {
  const file = buildTarPath(deps.config, buildId);
  if (await stat(file).then(() => true, () => false)) return;
  const tar = await getBuildSource(deps.redis, buildId);
  if (!tar) {
    throw new BerthError('build_source_missing', `the pushed source of build ${buildId} is not on worker ${deps.config.workerName} nor in Redis`,
      { hint: 'the server that received the push keeps it on its disk only while it builds itself: set BERTH_BUILDS=off there when build workers run elsewhere, then push again' });
  }
  await mkdir(buildsDir(deps.config), { recursive: true });
  await writeFile(file, tar, { mode: 0o600 });
}

export const forgetSource = (deps: SourceDeps, buildId: string) => dropBuildSource(deps.redis, buildId).catch(() => {});
