// A build's life, in one place: a push is queued and may supersede the push
// before it (enqueueBuild), a worker takes the job (runBuildJob), builds and
// deploys it in push order (run-build.ts), and every way it ends writes its
// final status and ends its log together (store/builds.ts finishBuild).
//   receive (ops) -> enqueueBuild -> queue -> runBuildJob -> processBuild -> finishBuild
// State lives in store/ only; queue/ is only bullmq.
import type { RedisHandle } from '../store/redis.js';
import type { BuildJobData, BuildQueue, JobControl } from '../queue/build-queue.js';
import { asBerthError } from '../shared/errors.js';
import { failure } from '../shared/push-output.js';
import { appendLog, finishBuild, getBuild, markLatestBuild } from '../store/builds.js';
import { ensureSource, forgetSource } from './build-source.js';
import type { PipelineDeps } from './deps.js';
import { processBuild } from './run-build.js';
import { failBuildNow } from './sweep.js';

/** A push whose tree the receiving host has not shared yet is waited for this long before it fails. */
const SOURCE_WAIT_MS = 30_000;

interface LifeDeps { readonly redis: RedisHandle; readonly config: { readonly build: { readonly logMaxLines: number } } }

/** Ends a build that a newer push of the same app replaced before it deployed. */
export async function supersede(deps: LifeDeps, id: string, newer: string): Promise<void> {
  await appendLog(deps.redis, id, [failure(`Superseded by a newer push (build ${newer}); this revision was not deployed.`)], deps.config.build.logMaxLines);
  await finishBuild(deps.redis, id, 'superseded');
}

/**
 * Queues a push as the app's newest; the previous push, if no worker has
 * started it, is superseded (the worker would skip it anyway, in push order:
 * run-build.ts). Returns the ids it superseded.
 */
export async function enqueueBuild(deps: LifeDeps & { readonly queue: BuildQueue }, data: BuildJobData): Promise<string[]> {
  const previous = await markLatestBuild(deps.redis, data.app, data.buildId);
  const superseded: string[] = [];
  if (previous && (await deps.queue.removeWaiting(previous))) {
    await supersede(deps, previous, data.buildId);
    superseded.push(previous);
  }
  await deps.queue.add(data);
  return superseded;
}

/** The worker's job body: the pushed tree on this host, then the build; the tree is let go after. */
export async function runBuildJob(data: BuildJobData, control: JobControl, deps: PipelineDeps): Promise<void> {
  try {
    await ensureSource(deps, data.buildId);
  } catch (err) {
    // A push received just before this worker beat its first time went
    // unshared: the receiving host's own worker has it, so let it take it.
    const build = await getBuild(deps.redis, data.buildId);
    if (build?.status === 'queued' && Date.now() - build.createdAt < SOURCE_WAIT_MS) return control.defer(1_000);
    await failBuildNow(deps.redis, data.buildId, asBerthError(err).message, deps.config.build.logMaxLines);
    return;
  }
  await processBuild(data, control, deps);
  // Not reached when the job was deferred (it throws): the tree is still needed then.
  await forgetSource(deps, data.buildId);
}
