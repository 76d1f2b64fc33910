// A new process is ready when it has an address, its port accepts, and the
// app.json health checks pass (without any: GET READY_PATH gets an HTTP answer, any
// status), and, if a settle window is set, it still runs after it. A restart during boot counts as a
// crash, since the restart policy would otherwise hide it. Each failure
// says why, from the container's State (exit code, OOM) or its sockets.
import { setTimeout as sleep } from 'node:timers/promises';
import { inspectContainer, tailLogs, type ContainerView } from '../../docker/containers.js';
import { BerthError, type ErrorCode } from '../../shared/errors.js';
import type { Release } from '../../shared/types.js';
import { exitHint, exitReason, hasExitStatus, settledExit, timesText } from './exit-reason.js';
import { watchExits, type ExitWatch } from './exit-watch.js';
import { answersHttp, runHealthChecks } from './health-check.js';
import { listeningAddresses, portHint } from './listen-probe.js';
import type { LocalDeps, Proc } from './processes.js';
import { waitForPort, type BootResult } from './wait-for-port.js';

const crashed = (v: ContainerView | undefined) => !v || v.state === 'exited' || v.state === 'dead' || v.restartCount > 0;

export type BootError = BerthError & { logLines?: string[] };

async function fail(deps: LocalDeps, proc: Proc, code: ErrorCode, why: string, hint: string): Promise<never> {
  const err: BootError = new BerthError(code, why, { hint });
  err.logLines = await tailLogs(deps.docker, proc.id, 20);
  throw err;
}

/** The process died while booting: how (exit code or OOM), and how often. */
async function failExited(deps: LocalDeps, release: Release, proc: Proc, name: string, exits: ExitWatch): Promise<never> {
  const view = await settledExit(deps.docker, proc.id);
  if (!view) return fail(deps, proc, 'boot_crashed', `${name} exited while booting and is gone`, exitHint(undefined, release.app, proc.type));
  const code = hasExitStatus(view) ? view.exitCode : exits.last();
  return fail(deps, proc, view.oomKilled ? 'boot_oom' : 'boot_crashed',
    `${name} ${exitReason(view, code)} while booting${timesText(view)}`, exitHint(view, release.app, proc.type, code));
}

/** Waits for a web process; returns its upstream `ip:port`. */
export async function checkBoot(deps: LocalDeps, release: Release, proc: Proc): Promise<string> {
  const exits = await watchExits(deps.docker, proc.id, Date.now() - 5000);
  try {
    return await bootOrFail(deps, release, proc, exits);
  } finally {
    exits.close();
  }
}

async function bootOrFail(deps: LocalDeps, release: Release, proc: Proc, exits: ExitWatch): Promise<string> {
  const name = `${proc.type}.${proc.index}`;
  const deadline = Date.now() + deps.config.runtime.bootTimeoutMs;
  const isAlive = async () => !crashed(await inspectContainer(deps.docker, proc.id));
  let ip: string | undefined;
  while (!ip && Date.now() < deadline) {
    const view = await inspectContainer(deps.docker, proc.id);
    if (crashed(view)) return failExited(deps, release, proc, name, exits);
    if (view?.state === 'running' && view.ip) ip = view.ip;
    else await sleep(25);
  }
  const result: BootResult = ip
    ? await waitForPort(ip, release.port, Math.max(0, deadline - Date.now()), isAlive)
    : { ok: false, reason: 'timeout' };
  if (!result.ok && result.reason === 'exited') return failExited(deps, release, proc, name, exits);
  if (!result.ok) {
    const listening = await listeningAddresses(deps.docker, proc.id);
    return fail(deps, proc, 'boot_no_port',
      `${name} never listened on $PORT ${release.port} within ${deps.config.runtime.bootTimeoutMs / 1000} s`, portHint(release.port, listening));
  }
  const checks = release.healthchecks?.[proc.type] ?? [];
  const hostHeader = `${release.app}.${deps.config.domain}`;
  if (checks.length) {
    const why = await runHealthChecks(ip!, release.port, hostHeader, checks, isAlive);
    if (why) {
      return fail(deps, proc, 'boot_health_check', `${name} failed its health check: ${why}`,
        'fix the app so that its app.json healthchecks pass (its last output is above), or change the checks');
    }
  } else {
    const why = await answersHttp(ip!, release.port, hostHeader, deadline, isAlive);
    if (why && !(await isAlive())) return failExited(deps, release, proc, name, exits);
    if (why) {
      return fail(deps, proc, 'boot_no_http', `${name} accepted connections on $PORT ${release.port} but never answered HTTP: ${why}`,
        'a web process must answer HTTP on $PORT (any status will do); run a worker process type for anything else');
    }
  }
  await settle(deps, release, proc, name, exits, isAlive);
  return `${ip}:${release.port}`;
}

/** The app's BERTH_SETTLE_SEC config var (checked at config:set), else the server's. */
export function settleMsOf(release: Release, serverMs: number): number {
  const own = release.config.BERTH_SETTLE_SEC ?? '';
  return /^\d{1,3}$/.test(own) ? Number(own) * 1000 : serverMs;
}

/** BERTH_SETTLE_SEC (Dokku's wait): the process must still run this long after it was found ready. */
async function settle(deps: LocalDeps, release: Release, proc: Proc, name: string, exits: ExitWatch, isAlive: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + settleMsOf(release, deps.config.runtime.settleMs);
  while (Date.now() < until) {
    await sleep(Math.min(250, until - Date.now()));
    if (!(await isAlive())) await failExited(deps, release, proc, name, exits);
  }
}
