// Waiting for Swarm to do what was asked: a rolling update to complete (or
// roll itself back), or a new or scaled service to have its replicas running.
// Either way a deadline: a task that never starts must not hang a deploy.
import { setTimeout as sleep } from 'node:timers/promises';
import { demux } from '../../docker/containers.js';
import { BerthError } from '../../shared/errors.js';
import { inspectService, serviceTasks, type SwarmDeps, type TaskView } from './services.js';
import { TASK_ATTR } from './log-follower.js';

const POLL_MS = 500;
const DONE = new Set(['completed']);
const FAILED = new Set(['rollback_started', 'rollback_completed', 'rollback_paused', 'paused']);
const FAILED_TASK = new Set(['failed', 'rejected']);

export type BootError = BerthError & { logLines?: string[] };

/** How long a service of `replicas` tasks may take: one boot per task (updates go one by one), plus pulls. */
export const convergeDeadline = (deps: SwarmDeps, replicas: number) => Date.now() + deps.config.runtime.bootTimeoutMs * (Math.max(1, replicas) + 1) + 60_000;

/** The service's last output from tasks of `release` only: during an update the old release's tasks write to it too. */
async function serviceLogs(deps: SwarmDeps, id: string, release: string): Promise<string[]> {
  try {
    const ours = new Set((await serviceTasks(deps, [id])).filter((t) => t.release === release).map((t) => t.id));
    const buf = (await deps.docker.getService(id).logs({ stdout: true, stderr: true, tail: 100, follow: false, details: true } as never)) as unknown as Buffer;
    const out: string[] = [];
    // With details, each line is "<attrs> <line>"; the attrs name the task.
    for (const raw of demux(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))).split('\n')) {
      const sp = raw.indexOf(' ');
      const task = TASK_ATTR.exec(sp < 0 ? raw : raw.slice(0, sp))?.[1];
      if (task && ours.has(task) && sp >= 0) out.push(raw.slice(sp + 1));
    }
    return out.filter(Boolean).slice(-20);
  } catch { return []; }
}

async function bootFailed(deps: SwarmDeps, id: string, release: string, why: string): Promise<never> {
  const err: BootError = new BerthError('boot_failed', why, {
    hint: 'make the web process listen on $PORT and pass its health checks; its last output is above',
  });
  err.logLines = await serviceLogs(deps, id, release);
  throw err;
}

/** The newest failed task of `release`, in the local scheduler's words: "web.1 exited with code 1". */
function lastFailure(tasks: TaskView[], type: string, release: string): string | undefined {
  const t = tasks.filter((x) => x.release === release && (x.error || FAILED_TASK.has(x.state))).sort((a, b) => b.timestamp.localeCompare(a.timestamp))[0];
  if (!t) return undefined;
  const times = tasks.filter((x) => x.release === release && x.slot === t.slot && FAILED_TASK.has(x.state)).length;
  const what = t.exitCode ? `exited with code ${t.exitCode}` : (t.error ?? t.state);
  return `${type}.${t.slot} ${what}${times > 1 ? ` (${times} times)` : ''}`;
}

/** A rolling update started at or after `since` has completed; throws if Swarm rolled it back. */
export async function waitForUpdate(deps: SwarmDeps, id: string, type: string, release: string, since: number, replicas: number): Promise<void> {
  const deadline = convergeDeadline(deps, replicas);
  while (Date.now() < deadline) {
    const svc = await inspectService(deps, id);
    if (!svc) return bootFailed(deps, id, release, `${type}: its service disappeared during the update`);
    const fresh = svc.updateStartedAt && Date.parse(svc.updateStartedAt) >= since - 2000;
    if (fresh && svc.updateState && DONE.has(svc.updateState)) return;
    if (fresh && svc.updateState && FAILED.has(svc.updateState)) {
      const failure = lastFailure(await serviceTasks(deps, [id]), type, release);
      return bootFailed(deps, id, release, failure
        ? `${failure} while booting; Swarm rolled it back`
        : `${type} failed to boot and Swarm rolled it back: ${svc.updateMessage ?? svc.updateState}`);
    }
    await sleep(POLL_MS);
  }
  return bootFailed(deps, id, release, `${type}: the update did not complete in time`);
}

/** `replicas` tasks of `release` run (for web: and passed their health check, which Swarm waits for). */
export async function waitForReplicas(deps: SwarmDeps, id: string, type: string, release: string, replicas: number): Promise<void> {
  const deadline = convergeDeadline(deps, replicas);
  while (Date.now() < deadline) {
    const tasks = (await serviceTasks(deps, [id])).filter((t) => t.release === release);
    const running = tasks.filter((t) => t.state === 'running' && t.desired === 'running').length;
    if (running >= replicas) return;
    // The restart policy keeps making new tasks of a process that crashes: three failures is a crash loop.
    if (tasks.filter((t) => FAILED_TASK.has(t.state)).length >= Math.max(3, replicas)) {
      return bootFailed(deps, id, release, `${lastFailure(tasks, type, release) ?? `${type}'s tasks keep failing`} while booting`);
    }
    await sleep(POLL_MS);
  }
  return bootFailed(deps, id, release, `${type} did not have ${replicas} running task(s) in time: ${lastFailure(await serviceTasks(deps, [id]), type, release) ?? 'no error reported'}`);
}
