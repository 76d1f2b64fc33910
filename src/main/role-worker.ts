// The worker role: runs builds from the queue, fails builds whose worker
// died, brings routes in line with what runs, and supervises processes.
import { capBuildkitMemory, capBuildkitPids } from '../docker/build-memory-cap.js';
import { builderRegistry } from '../builders/registry.js';
import { activeBuilds, processBuild } from '../pipeline/run-build.js';
import { failBuildNow, sweepBuildLeftovers, sweepLostBuilds } from '../pipeline/sweep.js';
import { startBuildWorker } from '../queue/build-queue.js';
import { installAppFirewall } from '../runtime/docker-local/firewall.js';
import { effectiveFormation } from '../runtime/scheduler.js';
import { getApp, getFormation, isStopped, listApps } from '../store/apps.js';
import { startCutDeploySweep } from './cut-deploys.js';
import { currentRelease, type Platform } from './platform.js';

async function reconcileAll(p: Platform): Promise<void> {
  for (const app of await listApps(p.redis)) {
    const current = await currentRelease(p.redis, app);
    if (!current || (await isStopped(p.redis, app))) continue;
    const formation = effectiveFormation(current, await getFormation(p.redis, app));
    await p.scheduler.reconcile(app, current, formation).catch((err) => console.error(`reconcile ${app}: ${err.message}`));
  }
}

export async function startWorkerRole(p: Platform): Promise<() => Promise<void>> {
  const { config, redis, docker } = p;
  const local = !config.dockerHost || config.dockerHost.startsWith('unix://');
  const cap = await capBuildkitMemory(config.build.memoryBytes * config.build.concurrency, local);
  if (!cap.applied) console.error(` !     build memory is not capped: ${cap.why}`);
  const pids = await capBuildkitPids(config.build.pidsLimit * config.build.concurrency, local);
  if (!pids.applied) console.error(` !     build processes are not capped: ${pids.why}`);
  if (config.runtime.firewall) {
    const routerPorts = [config.routerPort, ...(config.router.tlsPort === undefined ? [] : [config.router.tlsPort])];
    const fw = await installAppFirewall({ routerPorts, redisUrl: config.redisUrl });
    if (!fw.applied) console.error(` !     apps are not walled off from the host (API, Redis): ${fw.why}`);
  }
  const deps = { config, redis, docker, builders: builderRegistry(docker, config), scheduler: p.scheduler };
  const worker = startBuildWorker(redis, config.build.concurrency, (data, control) => processBuild(data, control, deps));
  // Once a lost build is failed, what it left (container, files) is fair game;
  // superseded builds leave a tar at any time, so that sweep also repeats.
  const sweepLeftovers = () => sweepBuildLeftovers({ config, redis, docker }).then(({ containers, files }) => {
    if (containers + files > 0) console.log(`berth: removed ${containers} build container(s) and ${files} build file(s) of finished builds`);
  }, (err: Error) => console.error(`berth: build leftovers sweep: ${err.message}`));
  await sweepLostBuilds(redis, config.build.logMaxLines);
  await sweepLeftovers();
  const sweeper = setInterval(() => void sweepLostBuilds(redis, config.build.logMaxLines)
    .then((lost) => lost > 0 ? sweepLeftovers() : undefined).catch(() => {}), 5_000);
  const leftoverSweeper = setInterval(() => void sweepLeftovers(), 60_000);
  await reconcileAll(p);
  const cutDeploys = await startCutDeploySweep(p);
  const supervisor = await p.supervise({
    currentRelease: (app) => currentRelease(redis, app),
    knows: async (app) => (await getApp(redis, app)) !== undefined,
    resync: () => reconcileAll(p),
  });
  return async () => {
    supervisor.close();
    cutDeploys.close();
    clearInterval(sweeper);
    clearInterval(leftoverSweeper);
    // Fail our in-flight builds now, with a reason, instead of leaving them running.
    await Promise.all([...activeBuilds].map((id) =>
      failBuildNow(redis, id, 'the Berth server shut down during this build', config.build.logMaxLines)));
    await worker.close();
  };
}
