// Deploying a release, whatever made it (a build, a config change, a
// rollback): release phase, then the scheduler's start-check-switch, then
// the release becomes current. A failure marks the release failed and
// leaves the previous one serving.
import { BerthError } from '../shared/errors.js';
import type { BuildLog } from '../shared/build-log.js';
import { RELEASE_PROCESS, type Release } from '../shared/types.js';
import { getFormation, getResources, promoteRelease, setReleaseStatus, setStopped } from '../store/apps.js';
import type { RedisHandle } from '../store/redis.js';
import { effectiveFormation, type DeployOutcome, type Scheduler } from '../runtime/scheduler.js';
import { runPredeploy } from './deploy-scripts.js';
import { getDeployStrategy } from '../store/storage.js';
import { scaleRefusal } from '../shared/storage-replicas.js';
import { goLiveCron } from './cron-live.js';
import { lineSplitter } from '../shared/line-splitter.js';

export interface DeployDeps {
  readonly redis: RedisHandle;
  readonly scheduler: Scheduler;
}

async function releasePhase(release: Release, log: BuildLog, deps: DeployDeps): Promise<void> {
  const command = release.processTypes[RELEASE_PROCESS];
  if (!command) return;
  log.step(`Running release command: ${command}`);
  const output = lineSplitter((l) => log.raw(l));
  const result = await deps.scheduler.run(release, { command, detach: false, onOutput: (_s, text) => output.push(text) });
  output.end();
  if ('code' in result && result.code !== 0) {
    throw new BerthError('release_phase_failed', `the release command exited with code ${result.code}`,
      { hint: 'fix the `release:` command in the Procfile (its output is above); nothing was deployed' });
  }
}

/** A push's app.json predeploy, run before the release command (Dokku's order). */
export interface PushTasks { readonly predeploy?: string; readonly timeoutMs: number }

export async function deployRelease(release: Release, log: BuildLog, deps: DeployDeps, push?: PushTasks): Promise<DeployOutcome> {
  try {
    if (push) await runPredeploy(release, push.predeploy, log, { scheduler: deps.scheduler, timeoutMs: push.timeoutMs });
    await releasePhase(release, log, deps);
    const formation = effectiveFormation(release, await getFormation(deps.redis, release.app));
    // app.json's quantity, or a count from before the limit, is not refused as ps:scale is (it would fail every push), but it is said.
    const pinned = scaleRefusal(release.app, formation, {}, release.mounts ?? [], deps.scheduler.storageReplicas);
    if (pinned) log.detail(`Warning: ${pinned.message}; ${pinned.hint}`);
    const stopFirst = (await getDeployStrategy(deps.redis, release.app)) === 'stop-first';
    const outcome = await deps.scheduler.deploy(release, formation, log, { resources: await getResources(deps.redis, release.app), stopFirst });
    await promoteRelease(deps.redis, release.app, release.version);
    await setStopped(deps.redis, release.app, false);
    await goLiveCron(deps.redis, release, log);
    return outcome;
  } catch (err) {
    await setReleaseStatus(deps.redis, release.app, release.version, 'failed');
    throw withBootHints(err, release);
  }
}

/** A failed boot names what the build warned about as its likely cause. */
function withBootHints(err: unknown, release: Release): unknown {
  if (!(err instanceof BerthError) || !err.code.startsWith('boot_') || !release.bootHints?.length) return err;
  const why = new BerthError(err.code, `${err.message}; likely cause (the build warned): ${release.bootHints.join('; ')}`,
    { hint: err.hint, cause: err });
  return Object.assign(why, { logLines: (err as { logLines?: string[] }).logLines });
}
