// The build's second half when a build-only worker built it:
//   worker: build image -> release vN -> (registry push) -> queue the deploy
//   app node: take the deploy -> lease the app -> image here? -> deploy as usual
// The worker's heartbeat on the build stretches over the hand-off, and the
// app node beats it again while it deploys, so the lost-build sweep still
// fails a build whose deploy nobody took.
import type { DeployJobData, DeployQueue } from '../queue/deploy-queue.js';
import type { JobControl } from '../queue/build-queue.js';
import { imageExists, pruneReleaseImages, untagImage } from '../docker/index.js';
import { pullImage } from '../docker/registry-pull.js';
import { pushImage, registryRef } from '../docker/registry-push.js';
import { BerthError } from '../shared/errors.js';
import type { Build } from '../shared/types.js';
import { getApp, getRelease, setReleaseStatus } from '../store/apps.js';
import { finishBuild, getBuild, touchBuild } from '../store/builds.js';
import { tryAppLease } from './app-lease.js';
import { buildLogWriter, type BuildLogWriter } from './build-log-writer.js';
import type { PipelineDeps } from './deps.js';
import { activeBuilds, deployBuilt, failBuild, HEARTBEAT_TTL_MS, type Built } from './run-build.js';

/** What a build-only worker does with a built release (PipelineDeps.handOff). */
export function handOffTo(queue: DeployQueue, deps: Pick<PipelineDeps, 'config' | 'redis' | 'docker'>) {
  return async (build: Build, built: Built, log: BuildLogWriter): Promise<void> => {
    const { release } = built;
    const { registry } = deps.config;
    if (registry) {
      log.step(`Pushing v${release.version} to the registry ${registry.address}`);
      await log.flush();
      await pushImage(deps.docker, registry, release.image);
      // The registry's name for it is only a second tag here: drop it, as the app node does.
      await untagImage(deps.docker, registryRef(registry, release.image));
    }
    log.step(`Built on worker ${deps.config.workerName}; handing v${release.version} to the app node to deploy`);
    await log.flush();
    await queue.enqueue({
      buildId: build.id, app: build.app, version: release.version, worker: deps.config.workerName,
      predeploy: built.scripts.predeploy, postdeploy: built.scripts.postdeploy, buildMs: built.buildMs, slugMs: built.slugMs,
    });
    await pruneReleaseImages(deps.docker, build.app, deps.config.runtime.imageRetention, release.version).catch(() => {});
  };
}

/**
 * The release's image must be on this node's engine. A worker sharing the
 * engine left it here; one on another host pushed it to the registry, and
 * this node pulls it from there (by the address it reaches the registry at).
 */
async function requireImage(deps: PipelineDeps, image: string, worker: string, log: BuildLogWriter): Promise<void> {
  if (await imageExists(deps.docker, image)) return;
  const { registry } = deps.config;
  if (registry) {
    log.step(`Pulling v${image.split(':v').pop()} from the registry ${registry.address}`);
    await log.flush();
    return pullImage(deps.docker, registry, image).catch((err: BerthError) => {
      throw new BerthError(err.code, `${err.message} (built by worker ${worker}: did worker ${worker} push it? It pushes when BERTH_REGISTRY is set there)`, { hint: err.hint });
    });
  }
  throw new BerthError('image_not_on_node', `${image} was built by worker ${worker} on another Docker engine and is not on this node's`,
    { hint: 'configure the image registry (deploy/swarm.md) so build workers push and app nodes pull, or run the worker against this node\'s Docker' });
}

export async function processDeploy(data: DeployJobData, control: JobControl, deps: PipelineDeps): Promise<void> {
  const r = deps.redis;
  const build = await getBuild(r, data.buildId);
  if (!build || build.status !== 'running') return; // swept or failed meanwhile
  const lease = await tryAppLease(r, build.app);
  if (!lease) return control.defer(500);
  activeBuilds.add(build.id);
  const log = buildLogWriter(r, build.id, deps.config.build.logMaxLines);
  await touchBuild(r, build.id, HEARTBEAT_TTL_MS);
  const beat = setInterval(() => void touchBuild(r, build.id, HEARTBEAT_TTL_MS).catch(() => {}), HEARTBEAT_TTL_MS / 3);
  try {
    const release = await getRelease(r, build.app, data.version);
    if (!release) throw new BerthError('release_missing', `release v${data.version} of ${build.app} is gone`);
    const current = (await getApp(r, build.app))?.currentRelease ?? 0;
    if (current > release.version) {
      log.error(`v${current} went live while this build waited to deploy; v${release.version} was not deployed.`);
      await log.flush();
      await finishBuild(r, build.id, 'superseded', { release: release.version });
      return;
    }
    await requireImage(deps, release.image, data.worker, log)
      .catch(async (err) => { await setReleaseStatus(r, build.app, release.version, 'failed'); throw err; });
    await deployBuilt(build, { release, scripts: { predeploy: data.predeploy, postdeploy: data.postdeploy }, buildMs: data.buildMs, slugMs: data.slugMs }, log, deps);
  } catch (err) {
    await failBuild(deps, build, log, err);
  } finally {
    clearInterval(beat);
    activeBuilds.delete(build.id);
    await lease.release();
  }
}
