// A new release from the current one with some change (config, or an older
// release's image and config for a rollback), deployed with zero downtime.
// Returns once the new release serves; the old one drains in the background.
import type { AppRecord, Release } from '../../shared/types.js';
import { asBerthError } from '../../shared/errors.js';
import { newRelease, type ReleaseDraft } from '../../pipeline/release.js';
import { deployRelease } from '../../pipeline/deploy-release.js';
import { goLiveCron } from '../../pipeline/cron-live.js';
import { waitForAppLease } from '../../pipeline/app-lease.js';
import { watchAfterLive, watchNotice } from '../../pipeline/release-watch.js';
import { collectingLog } from '../collecting-log.js';
import { promoteRelease } from '../../store/apps.js';
import { pruneReleaseImages } from '../../docker/images.js';
import type { OpsDeps } from '../deps.js';

const LEASE_WAIT_MS = 60_000;

export interface RedeployResult { readonly release: Release; readonly log: string[] }

export async function redeploy(
  app: AppRecord, base: Release, change: Partial<ReleaseDraft> & { description: string }, deps: OpsDeps, restart = true,
): Promise<RedeployResult> {
  const lease = await waitForAppLease(deps.redis, app.name, LEASE_WAIT_MS);
  const log = collectingLog();
  let background = false;
  try {
    const { version: _v, image, createdAt: _c, status: _s, ...draft } = base;
    const release = await newRelease(deps.redis, deps.docker, image, { ...draft, buildId: base.buildId, ...change, app: app.name });
    if (!restart) {
      // --no-restart: the release is recorded and current; processes pick it
      // up at their next restart or deploy.
      await promoteRelease(deps.redis, app.name, release.version);
      await goLiveCron(deps.redis, release, log);
      log.step(`Created v${release.version} without restarting`);
      return { release: { ...release, status: 'live' }, log: log.lines };
    }
    const outcome = await deployRelease(release, log, deps).catch((err) => {
      const e = asBerthError(err);
      (e as { log?: string[] }).log = log.lines;
      throw e;
    });
    log.step(`Released v${release.version}`);
    // Checked there: a rollback's release is never watched.
    const watched = watchNotice(deps.config, release, app.currentRelease);
    if (watched) log.detail(watched);
    const retire = watchAfterLive(deps, release, app.currentRelease, outcome);
    background = true;
    void retire()
      .then(() => pruneReleaseImages(deps.docker, app.name, deps.config.runtime.imageRetention, release.version))
      .catch((err) => console.error(`${app.name}: retiring: ${err.message}`))
      .finally(() => lease.release());
    return { release: { ...release, status: 'live' }, log: log.lines };
  } finally {
    if (!background) await lease.release();
  }
}
