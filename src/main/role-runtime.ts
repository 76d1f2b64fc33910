// What the node that runs apps does, whoever builds: wall apps off from the
// host, fail builds whose worker died, bring routes in line with what runs,
// supervise processes, and deploy releases that build workers on other hosts
// handed over. It goes with the api role (the all-in-one `berth server`).
import { builderRegistry } from '../builders/registry.js';
import { processDeploy } from '../pipeline/deploy-handoff.js';
import { activeBuilds } from '../pipeline/run-build.js';
import { endWatches } from '../pipeline/release-watch.js';
import { failBuildNow, sweepBuildLeftovers, sweepLostBuilds } from '../pipeline/sweep.js';
import { startDeployWorker } from '../queue/deploy-queue.js';
import { installAppFirewall } from '../runtime/docker-local/firewall.js';
import { effectiveFormation } from '../runtime/scheduler.js';
import { eachLimited } from '../shared/each-limited.js';
import { getApp, getFormation, isStopped, listApps } from '../store/apps.js';
import { startCutDeploySweep } from './cut-deploys.js';
import { startCronDuty } from './cron-duty.js';
import { startBackupSchedules } from './backup-schedules.js';
import { currentRelease, type Platform } from './platform.js';

async function reconcileAll(p: Platform): Promise<void> {
  const started = Date.now();
  let count = 0;
  // A few apps at a time: each is Docker round trips, mostly waiting.
  await eachLimited(await listApps(p.redis), p.config.runtime.reconcileConcurrency, async (app) => {
    const current = await currentRelease(p.redis, app);
    if (!current || (await isStopped(p.redis, app))) return;
    const formation = effectiveFormation(current, await getFormation(p.redis, app));
    await p.scheduler.reconcile(app, current, formation).catch((err) => console.error(`reconcile ${app}: ${err.message}`));
    count++;
  });
  // The API answers only after the first one: on a host with many apps, this says why it took a while.
  if (count > 0) console.log(`berth: reconciled ${count} app(s) with what runs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Removes what finished builds left; on a build-only worker too (its own disk and engine). */
export function leftoverSweeper(p: Platform): () => Promise<void> {
  const { config, redis, docker } = p;
  return () => sweepBuildLeftovers({ config, redis, docker }).then(({ containers, files }) => {
    if (containers + files > 0) console.log(`berth: removed ${containers} build container(s) and ${files} build file(s) of finished builds`);
  }, (err: Error) => console.error(`berth: build leftovers sweep: ${err.message}`));
}

export async function startRuntimeRole(p: Platform): Promise<() => Promise<void>> {
  const { config, redis, docker } = p;
  if (config.runtime.firewall) {
    const routerPorts = [config.routerPort, ...(config.router.tlsPort === undefined ? [] : [config.router.tlsPort])];
    const fw = await installAppFirewall({ routerPorts, redisUrl: config.redisUrl });
    if (!fw.applied) console.error(` !     apps are not walled off from the host (API, Redis): ${fw.why}`);
  }
  // Once a lost build is failed, what it left (container, files) is fair game;
  // superseded builds leave a tar at any time, so that sweep also repeats.
  const sweepLeftovers = leftoverSweeper(p);
  await sweepLostBuilds(redis, config.build.logMaxLines);
  await sweepLeftovers();
  const sweeper = setInterval(() => void sweepLostBuilds(redis, config.build.logMaxLines)
    .then((lost) => lost > 0 ? sweepLeftovers() : undefined).catch(() => {}), 5_000);
  const leftovers = setInterval(() => void sweepLeftovers(), 60_000);
  const deps = { config, redis, docker, builders: builderRegistry(docker, config), scheduler: p.scheduler };
  const deploys = startDeployWorker(redis, config.build.concurrency, (data, control) => processDeploy(data, control, deps));
  await reconcileAll(p);
  const cutDeploys = await startCutDeploySweep(p);
  const cron = await startCronDuty(p);
  const stopBackups = await startBackupSchedules(p);
  const supervisor = await p.supervise({
    currentRelease: (app) => currentRelease(redis, app),
    knows: async (app) => (await getApp(redis, app)) !== undefined,
    // After Docker's event stream reopens (dockerd restarted), start again what did not come back.
    resync: () => reconcileAll(p),
  });
  return async () => {
    await cron();
    supervisor.close();
    cutDeploys.close();
    endWatches();
    clearInterval(sweeper);
    clearInterval(leftovers);
    await Promise.all([...activeBuilds].map((id) =>
      failBuildNow(redis, id, 'the Berth server shut down during this deploy', config.build.logMaxLines)));
    await deploys.close();
    await stopBackups();
  };
}
