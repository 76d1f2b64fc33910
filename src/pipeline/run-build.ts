// The build job, start to finish:
//   lease the app -> unpack the pushed tree -> check its symlinks -> pick a builder -> build image
//   -> create release vN -> deploy (start, check, switch route) -> report
//   -> drain and stop the old release -> prune old images.
// Any failure before the route switch leaves the previous release serving.
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BuildJobData, JobControl } from '../queue/build-queue.js';
import { appUrl } from '../config/index.js';
import { selectBuilder } from '../builders/registry.js';
import { berthLabels, pruneReleaseImages, untagImage } from '../docker/index.js';
import { asBerthError, type BerthError } from '../shared/errors.js';
import { phaseTimes } from '../shared/push-output.js';
import type { Build, Release } from '../shared/types.js';
import { getApp, getConfigVars } from '../store/apps.js';
import { finishBuild, getBuild, latestBuildId, touchBuild, updateBuild } from '../store/builds.js';
import { supersede } from './build-life.js';
import { buildLogWriter, type BuildLogWriter } from './build-log-writer.js';
import type { PipelineDeps } from './deps.js';
import { buildsDir, buildTarPath, buildWorkDir } from './paths.js';
import { diskFullError, isDiskFull } from './disk-full.js';
import { createBuildRelease } from './release.js';
import { checkAppJsonTypes, readAppJson } from '../builders/app-json.js';
import type { AppScripts } from '../shared/app-json.js';
import { runPostdeploy } from './deploy-scripts.js';
import { checkSymlinks } from '../builders/symlinks.js';
import { tryAppLease } from './app-lease.js';
import { deployRelease } from './deploy-release.js';
import { watchAfterLive, watchNotice } from './release-watch.js';

const run = promisify(execFile);
export const HEARTBEAT_TTL_MS = 6_000;

/** Builds this process is running now, so shutdown can fail them honestly. */
export const activeBuilds = new Set<string>();

export async function processBuild(data: BuildJobData, control: JobControl, deps: PipelineDeps): Promise<void> {
  const { redis: r, config } = deps;
  const build = await getBuild(r, data.buildId);
  if (!build || build.status !== 'queued') return; // superseded or already handled
  const lease = await tryAppLease(r, build.app);
  if (!lease) return control.defer(500);
  // Pushes deploy in the order they were queued: an older build that gets the
  // lease after a newer one was queued would otherwise undo the newer one.
  const latest = await latestBuildId(r, build.app).catch(() => undefined);
  if (latest && latest !== build.id) {
    await lease.release();
    await rm(buildTarPath(config, build.id), { force: true });
    return supersede(deps, build.id, latest);
  }

  activeBuilds.add(build.id);
  const log = buildLogWriter(r, build.id, config.build.logMaxLines);
  await touchBuild(r, build.id, HEARTBEAT_TTL_MS);
  const beat = setInterval(() => void touchBuild(r, build.id, HEARTBEAT_TTL_MS).catch(() => {}), HEARTBEAT_TTL_MS / 3);
  await updateBuild(r, build.id, { status: 'running', startedAt: Date.now(), worker: config.workerName });
  try {
    const built = await buildAndRelease(build, log, deps);
    // A build-only worker runs no app: the node that does deploys the release.
    if (deps.handOff) {
      await deps.handOff(build, built, log);
      // Until the app node takes the deploy (it beats again then); a deploy nobody takes fails then.
      clearInterval(beat);
      await touchBuild(r, build.id, config.build.timeoutMs);
    } else {
      await deployBuilt(build, built, log, deps);
    }
  } catch (err) {
    await failBuild(deps, build, log, err);
  } finally {
    clearInterval(beat);
    activeBuilds.delete(build.id);
    await lease.release();
    await rm(buildWorkDir(config, build.id), { recursive: true, force: true });
    await rm(buildTarPath(config, build.id), { force: true });
  }
}

/** Deploy, postdeploy, report, then retire the old release and prune images: the second half of a build job. */
export async function deployBuilt(build: Build, built: Built, log: BuildLogWriter, deps: PipelineDeps): Promise<void> {
  const { redis: r, config } = deps;
  const { release, scripts, buildMs, slugMs } = built;
  const tasks = { timeoutMs: config.build.timeoutMs, scheduler: deps.scheduler };
  const bootStart = performance.now();
  const previous = (await getApp(r, build.app))?.currentRelease;
  const outcome = await deployRelease(release, log, deps, { timeoutMs: tasks.timeoutMs, predeploy: scripts.predeploy });
  const bootMs = performance.now() - bootStart;
  const retire = watchAfterLive(deps, release, previous, outcome);
  const postdeployError = await runPostdeploy(release, scripts.postdeploy, log, tasks);
  if (postdeployError) {
    await failLive(deps, build, log, release, postdeployError);
  } else {
    // Total counts from the push's arrival, so queueing shows as the gap.
    log.detail(phaseTimes({ build: buildMs, slug: slugMs, boot: bootMs, total: Date.now() - build.createdAt }));
    log.step(`Released v${release.version}`);
    log.detail(`${appUrl(deps.config, build.app)} deployed to Berth`);
    const watched = watchNotice(config, release, previous);
    if (watched) log.detail(watched);
    await log.flush();
    await finishBuild(r, build.id, 'succeeded', { release: release.version });
  }
  // The pusher is done; the old release drains in the background of this job (or stands by through the watch).
  await retire().catch((err) => console.error(`${build.app}: retiring old containers: ${err.message}`));
  await pruneReleaseImages(deps.docker, build.app, config.runtime.imageRetention, release.version).catch(() => {});
}

export interface Built {
  readonly release: Release;
  readonly scripts: AppScripts;
  readonly buildMs: number;
  readonly slugMs: number | undefined;
}

async function buildAndRelease(build: Build, log: BuildLogWriter, deps: PipelineDeps): Promise<Built> {
  const start = performance.now();
  const sourceDir = path.join(buildWorkDir(deps.config, build.id), 'src');
  await mkdir(sourceDir, { recursive: true });
  await run('tar', ['-xf', buildTarPath(deps.config, build.id), '-C', sourceDir, '--no-same-owner']);
  // Before anything reads the tree or sends it to Docker.
  await checkSymlinks(sourceDir);
  const input = {
    app: build.app,
    buildId: build.id,
    sourceDir,
    contextTar: buildTarPath(deps.config, build.id),
    configVars: await getConfigVars(deps.redis, build.app),
    imageTag: `berth/app-${build.app}:build-${build.id}`,
    // Stable values keep Docker's LABEL steps cached across builds.
    labels: berthLabels(build.app, 'build', 'build', 'build'),
    log,
  };
  const manifest = await readAppJson(sourceDir, { allowSeconds: deps.config.cron.allowSeconds });
  for (const w of manifest?.warnings ?? []) log.detail(`Warning: app.json: ${w}`);
  const builder = await selectBuilder(deps.builders, input);
  const output = await builder.build(input);
  // app.json names process types only the build knows; a typo fails here, before any release.
  if (manifest) await checkAppJsonTypes(manifest, output, sourceDir, builder.name).catch(async (err) => { await untagImage(deps.docker, output.image); throw err; });
  const buildMs = performance.now() - start - (output.slugMs ?? 0);
  const release = await createBuildRelease(deps.redis, deps.docker, build, output, manifest, deps.config.runtime.defaultPort);
  log.step(`Created release v${release.version}`);
  const types = Object.entries(release.processTypes).map(([t, c]) => `${t}: ${c ?? '(image CMD)'}`);
  for (const t of types) log.detail(t);
  return { release, scripts: manifest?.scripts ?? {}, buildMs, slugMs: output.slugMs };
}

export async function failBuild(deps: PipelineDeps, build: Build, log: BuildLogWriter, err: unknown): Promise<void> {
  const e = await isDiskFull(err, buildsDir(deps.config)) ? await diskFullError(err, buildsDir(deps.config), deps.config.dataDir) : asBerthError(err);
  const message = e.expose ? e.message : `internal error: ${e.message}`;
  log.error(message);
  if (e.hint) log.error(e.hint);
  log.error(`Deploy failed (${e.code}); ${await stillServing(deps, build)}`);
  await log.flush();
  await finishBuild(deps.redis, build.id, 'failed', { error: message });
  if (!e.expose) console.error(`build ${build.id} (${build.app}):`, err);
}

/** What the app serves now that this push failed: its current release, or nothing yet (503). */
async function stillServing(deps: PipelineDeps, build: Build): Promise<string> {
  const current = (await getApp(deps.redis, build.app).catch(() => undefined))?.currentRelease;
  if (current === undefined) return 'the previous release keeps serving.';
  return current > 0 ? `the previous release keeps serving (v${current}).`
    : `nothing was deployed: ${build.app} has no release yet, so the router answers 503 until a push succeeds.`;
}

/** The release is live but app.json's postdeploy failed: the push fails (as on Dokku), saying so. */
async function failLive(deps: PipelineDeps, build: Build, log: BuildLogWriter, release: Release, e: BerthError): Promise<void> {
  log.error(e.message);
  if (e.hint) log.error(e.hint);
  log.error(`Deploy failed (${e.code}) after v${release.version} went live: ${appUrl(deps.config, build.app)}`);
  await log.flush();
  await finishBuild(deps.redis, build.id, 'failed', { error: e.message, release: release.version });
}
