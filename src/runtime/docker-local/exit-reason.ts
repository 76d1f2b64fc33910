// Why a process container stopped, in words, from its State: the exit code
// and Docker's OOMKilled flag. Docker resets ExitCode to 0 when its restart
// policy starts the container again (OOMKilled stays), so a booting crash is
// read while the container is "restarting" (the backoff between attempts).
import { inspectContainer, type ContainerView } from '../../docker/containers.js';
import type { Docker } from '../../docker/client.js';
import { setTimeout as sleep } from 'node:timers/promises';

const MiB = 1024 * 1024;
const SIGNALS: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };

export const megabytes = (bytes: number) => `${Math.round(bytes / MiB)} MB`;

/** A stop that holds its exit status: not running again yet. */
export const hasExitStatus = (v: ContainerView) => v.state === 'restarting' || v.state === 'exited' || v.state === 'dead';

/**
 * "exited with code 1", "was killed for going over its 512 MB memory limit
 * (OOM)", ...; `lastCode` (from a die event) when the State no longer has it.
 */
export function exitReason(v: ContainerView, lastCode?: number): string {
  if (v.oomKilled) {
    return `was killed for going over its ${v.memoryBytes ? `${megabytes(v.memoryBytes)} ` : ''}memory limit (OOM)`;
  }
  const code = hasExitStatus(v) ? v.exitCode : lastCode;
  if (code === undefined) return v.restartCount > 0 ? 'exited and was restarted' : 'is running';
  const signal = code > 128 ? SIGNALS[code - 128] ?? `signal ${code - 128}` : undefined;
  return signal ? `was killed by ${signal} (exit code ${code})` : `exited with code ${code}`;
}

/** How often it exited, for a crash loop's message: "" for once, " (3 times)". */
export function timesText(v: ContainerView): string {
  // Docker counts a restart as the backoff begins, so "restarting" has counted this exit already.
  const n = v.state === 'restarting' ? v.restartCount : v.restartCount + (hasExitStatus(v) ? 1 : 0);
  return n > 1 ? ` (${n} times)` : '';
}

/**
 * The container as it stopped. A crashed process is usually already being
 * started again by its restart policy (exit code reset to 0): wait, two
 * seconds at most, for its next exit, which a crash loop soon gives.
 */
export async function settledExit(docker: Docker, id: string, waitMs = 2000): Promise<ContainerView | undefined> {
  const deadline = Date.now() + waitMs;
  let view = await inspectContainer(docker, id);
  while (view && !hasExitStatus(view) && !view.oomKilled && Date.now() < deadline) {
    await sleep(20);
    view = await inspectContainer(docker, id);
  }
  return view;
}

/** What to do about it, for the push output; `v` undefined: the container is gone. */
export function exitHint(v: ContainerView | undefined, app: string, type: string, exitCode?: number): string {
  if (v?.oomKilled) {
    const more = v.memoryBytes ? `${Math.max(2 * Math.round(v.memoryBytes / MiB), 64)}m` : '1g';
    return `raise it with berth resource:limit ${app} --process-type ${type} --memory ${more} (then push again or berth ps:restart ${app}), or make the app use less memory`;
  }
  if (v && !v.oomKilled && exitCode === 0) return `a ${type} process must keep running (its last log lines are above): run a server in the foreground, not a command that ends`;
  return `its last log lines are above: fix what makes it exit (a missing config var? see berth config ${app}), then push again`;
}
