// Waiting for Swarm to do what was asked: a rolling update to complete (or
// roll itself back), or a new or scaled service to have its replicas running.
// Either way a deadline: a task that never starts must not hang a deploy.
import { setTimeout as sleep } from 'node:timers/promises';
import { demux } from '../../docker/containers.js';
import { BerthError } from '../../shared/errors.js';
import { inspectService, serviceTasks, type SwarmDeps, type TaskView } from './services.js';

const POLL_MS = 500;
const DONE = new Set(['completed']);
const FAILED = new Set(['rollback_started', 'rollback_completed', 'rollback_paused', 'paused']);

export type BootError = BerthError & { logLines?: string[] };

/** How long a service of `replicas` tasks may take: one boot per task (updates go one by one), plus pulls. */
export const convergeDeadline = (deps: SwarmDeps, replicas: number) => Date.now() + deps.config.runtime.bootTimeoutMs * (Math.max(1, replicas) + 1) + 60_000;

async function serviceLogs(deps: SwarmDeps, id: string): Promise<string[]> {
  try {
    const buf = (await deps.docker.getService(id).logs({ stdout: true, stderr: true, tail: 20, follow: false })) as unknown as Buffer;
    return demux(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))).split('\n').filter(Boolean).slice(-20);
  } catch { return []; }
}

async function bootFailed(deps: SwarmDeps, id: string, type: string, why: string): Promise<never> {
  const err: BootError = new BerthError('boot_failed', 422, `${type} ${why}`, {
    hint: 'make the web process listen on $PORT and pass its health checks; its last output is above',
  });
  err.logLines = await serviceLogs(deps, id);
  throw err;
}

const lastError = (tasks: TaskView[], release: string) =>
  tasks.filter((t) => t.release === release && t.error).sort((a, b) => b.timestamp.localeCompare(a.timestamp))[0]?.error;

/** A rolling update started at or after `since` has completed; throws if Swarm rolled it back. */
export async function waitForUpdate(deps: SwarmDeps, id: string, type: string, release: string, since: number, replicas: number): Promise<void> {
  const deadline = convergeDeadline(deps, replicas);
  while (Date.now() < deadline) {
    const svc = await inspectService(deps, id);
    if (!svc) return bootFailed(deps, id, type, 'service disappeared during the update');
    const fresh = svc.updateStartedAt && Date.parse(svc.updateStartedAt) >= since - 2000;
    if (fresh && svc.updateState && DONE.has(svc.updateState)) return;
    if (fresh && svc.updateState && FAILED.has(svc.updateState)) {
      const why = lastError(await serviceTasks(deps, [id]), release) ?? svc.updateMessage ?? svc.updateState;
      return bootFailed(deps, id, type, `failed to boot and Swarm rolled it back: ${why}`);
    }
    await sleep(POLL_MS);
  }
  return bootFailed(deps, id, type, 'update did not complete in time');
}

/** `replicas` tasks of `release` run (for web: and passed their health check, which Swarm waits for). */
export async function waitForReplicas(deps: SwarmDeps, id: string, type: string, release: string, replicas: number): Promise<void> {
  const deadline = convergeDeadline(deps, replicas);
  while (Date.now() < deadline) {
    const tasks = (await serviceTasks(deps, [id])).filter((t) => t.release === release);
    const running = tasks.filter((t) => t.state === 'running' && t.desired === 'running').length;
    if (running >= replicas) return;
    // The restart policy keeps making new tasks of a process that crashes: three failures is a crash loop.
    if (tasks.filter((t) => ['failed', 'rejected'].includes(t.state)).length >= Math.max(3, replicas)) {
      return bootFailed(deps, id, type, `failed to boot: ${lastError(tasks, release) ?? 'its tasks keep failing'}`);
    }
    await sleep(POLL_MS);
  }
  return bootFailed(deps, id, type, `did not have ${replicas} running task(s) in time: ${lastError(await serviceTasks(deps, [id]), release) ?? 'no error reported'}`);
}
