// A build whose worker died (server killed, machine rebooted) would stay
// "running" forever. Its heartbeat lapses, and this sweep fails it with a
// reason the pusher and `builds` can show. What such a build left behind (its
// build container, its work dir and pushed tar), the tar of a build that was
// superseded before it ran, and a push cut off mid-upload go in a second sweep.
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BerthConfig } from '../config/index.js';
import type { Docker } from '../docker/client.js';
import { listBuildContainers, removeBuildContainer } from '../docker/build-container.js';
import { asBerthError } from '../shared/errors.js';
import { failure } from '../shared/push-output.js';
import { appendLog, finishBuild, getBuild, isFinished, runningBuildsWithoutHeartbeat } from '../store/builds.js';
import type { RedisHandle } from '../store/redis.js';
import { buildsDir } from './paths.js';
import { listReleases, setReleaseStatus } from '../store/apps.js';
import type { AppName } from '../shared/app-name.js';

export async function failBuildNow(r: RedisHandle, id: string, reason: string, maxLines: number): Promise<void> {
  const b = await getBuild(r, id);
  if (!b || (b.status !== 'running' && b.status !== 'queued')) return;
  await appendLog(r, id, [failure(reason), failure('Push again to retry.')], maxLines);
  await finishBuild(r, id, 'failed', { error: reason });
}

export async function sweepLostBuilds(r: RedisHandle, maxLines: number): Promise<number> {
  const lost = await runningBuildsWithoutHeartbeat(r);
  for (const id of lost) {
    await failBuildNow(r, id, 'the build worker stopped while this build was running (was the server restarted?)', maxLines)
      .catch((err) => console.error(`sweep ${id}: ${asBerthError(err).message}`));
  }
  return lost.length;
}

/** `<build id>` (a work dir) or `<build id>.tar` (a pushed tree) in the builds dir. */
const BUILD_ENTRY = /^([0-9a-z]+-[0-9a-f]{8})(\.tar)?$/;
/** A push being received (api/routes/receive.ts); its mtime moves while it is written. */
const INCOMING_ENTRY = /^incoming-[0-9a-f]{12}\.tar$/;
/**
 * A pushed tar exists a moment before its build record, a record may be gone
 * (trimmed history, a destroyed app), and another Berth on the same Docker
 * host has records elsewhere. So without a record, only what is older than
 * the longest a build may run (plus this margin) counts as left over.
 */
const NO_RECORD_MARGIN_MS = 5 * 60_000;

export interface LeftoverDeps {
  readonly config: BerthConfig;
  readonly redis: RedisHandle;
  readonly docker: Docker;
}

/** Removes build containers and build files of builds that are over; returns how many. */
export async function sweepBuildLeftovers(
  deps: LeftoverDeps, graceMs = deps.config.build.timeoutMs + NO_RECORD_MARGIN_MS,
): Promise<{ containers: number; files: number }> {
  const over = async (buildId: string, bornMs: number): Promise<boolean> => {
    const build = await getBuild(deps.redis, buildId);
    return build ? isFinished(build.status) : Date.now() - bornMs > graceMs;
  };
  let containers = 0;
  for (const c of await listBuildContainers(deps.docker)) {
    if (!(await over(c.buildId, c.createdMs))) continue;
    await removeBuildContainer(deps.docker, c.id).then(() => containers++, () => {});
  }
  let files = 0;
  const dir = buildsDir(deps.config);
  for (const name of await readdir(dir).catch(() => [])) {
    const buildId = BUILD_ENTRY.exec(name)?.[1];
    if (!buildId && !INCOMING_ENTRY.test(name)) continue;
    const entry = path.join(dir, name);
    const born = await stat(entry).then((s) => s.mtimeMs, () => undefined);
    if (born === undefined) continue;
    if (buildId ? !(await over(buildId, born)) : Date.now() - born <= graceMs) continue;
    await rm(entry, { recursive: true, force: true }).then(() => files++, () => {});
  }
  return { containers, files };
}

/**
 * Releases a dead deploy left pending (created, never promoted): failed, so
 * that `releases` and a rollback do not take them for usable. Call with the
 * app's deploy lease held: every live deploy holds it while its release is pending.
 */
export async function failCutReleases(r: RedisHandle, app: AppName, currentVersion: number | undefined): Promise<number[]> {
  const cut = (await listReleases(r, app)).filter((rel) => rel.status === 'pending' && rel.version !== currentVersion);
  for (const rel of cut) await setReleaseStatus(r, app, rel.version, 'failed');
  return cut.map((rel) => rel.version);
}
