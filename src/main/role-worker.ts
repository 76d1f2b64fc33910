// The build worker: takes builds from the queue and runs them on this node's
// Docker engine (DOCKER_HOST). In the all-in-one server it also deploys what
// it built, as it always did; as `berth server --role worker` on its own it
// is build-only: it hands each release to the app node (deploy-handoff.ts)
// and never starts an app container. It beats a record in Redis so
// `berth workers` lists it, with its concurrency and current builds.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { capBuildkitMemory, capBuildkitPids } from '../docker/build-memory-cap.js';
import { builderRegistry } from '../builders/registry.js';
import { runBuildJob } from '../pipeline/build-life.js';
import { handOffTo } from '../pipeline/deploy-handoff.js';
import { activeBuilds } from '../pipeline/run-build.js';
import { failBuildNow } from '../pipeline/sweep.js';
import { startBuildWorker } from '../queue/build-queue.js';
import { createDeployQueue } from '../queue/deploy-queue.js';
import { beatWorker, retireWorker, WORKER_BEAT_MS } from '../store/workers.js';
import type { Platform } from './platform.js';
import { leftoverSweeper } from './role-runtime.js';

async function capBuildkit(p: Platform): Promise<void> {
  const { config } = p;
  const local = !config.dockerHost || config.dockerHost.startsWith('unix://');
  const cap = await capBuildkitMemory(config.build.memoryBytes * config.build.concurrency, local);
  if (!cap.applied) console.error(` !     build memory is not capped: ${cap.why}`);
  const pids = await capBuildkitPids(config.build.pidsLimit * config.build.concurrency, local);
  if (!pids.applied) console.error(` !     build processes are not capped: ${pids.why}`);
}

function startBeating(p: Platform): { stop(): Promise<void> } {
  const { config, redis } = p;
  const startedAt = Date.now();
  const beat = () => beatWorker(redis, {
    name: config.workerName, host: hostname(), pid: process.pid, concurrency: config.build.concurrency,
    current: [...activeBuilds], startedAt,
  }).catch((err: Error) => console.error(`berth: worker heartbeat: ${err.message}`));
  void beat();
  const timer = setInterval(() => void beat(), WORKER_BEAT_MS);
  return { async stop() { clearInterval(timer); await retireWorker(redis, config.workerName).catch(() => {}); } };
}

/** `deployHere`: this process also runs apps (the all-in-one server), so it deploys what it builds. */
export async function startWorkerRole(p: Platform, deployHere: boolean): Promise<() => Promise<void>> {
  const { config, redis, docker } = p;
  await capBuildkit(p);
  const deployQueue = deployHere ? undefined : createDeployQueue(redis);
  const base = { config, redis, docker, builders: builderRegistry(docker, config), scheduler: p.scheduler };
  const deps = deployQueue ? { ...base, handOff: handOffTo(deployQueue, base) } : base;
  // Config vars are sealed with the app node's key; a worker that makes its own cannot read them.
  if (!deployHere && !existsSync(path.join(config.dataDir, 'secrets.key'))) {
    console.error(` !     ${path.join(config.dataDir, 'secrets.key')} is missing: builds of apps with config vars fail until you copy it from the app node (deploy/workers.md)`);
  }
  const beating = startBeating(p);
  const worker = startBuildWorker(redis, config.build.concurrency, (data, control) => runBuildJob(data, control, deps));
  const sweepLeftovers = leftoverSweeper(p);
  const leftovers = deployHere ? undefined : setInterval(() => void sweepLeftovers(), 60_000);
  console.log(`berth: build worker ${config.workerName} (concurrency ${config.build.concurrency})${deployHere ? '' : ', build-only: releases go to the app node to deploy'}`);
  return async () => {
    clearInterval(leftovers);
    // Fail our in-flight builds now, with a reason, instead of leaving them running.
    await Promise.all([...activeBuilds].map((id) =>
      failBuildNow(redis, id, `build worker ${config.workerName} shut down during this build`, config.build.logMaxLines)));
    await worker.close();
    await beating.stop();
    await deployQueue?.close();
  };
}
