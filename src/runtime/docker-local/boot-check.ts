// A new process is ready when it has an address, its port accepts, and the
// app.json health checks (if any) pass. A restart during boot counts as a
// crash, since the restart policy would otherwise hide it.
import { setTimeout as sleep } from 'node:timers/promises';
import { inspectContainer, tailLogs, type ContainerView } from '../../docker/containers.js';
import { BerthError } from '../../shared/errors.js';
import type { Release } from '../../shared/types.js';
import { runHealthChecks } from './health-check.js';
import type { LocalDeps, Proc } from './processes.js';
import { waitForPort, type BootResult } from './wait-for-port.js';

const crashed = (v: ContainerView | undefined) => !v || v.state === 'exited' || v.state === 'dead' || v.restartCount > 0;

export type BootError = BerthError & { logLines?: string[] };

async function fail(deps: LocalDeps, proc: Proc, why: string): Promise<never> {
  const err: BootError = new BerthError('boot_failed', 422, why, {
    hint: 'make the web process listen on $PORT (or EXPOSE exactly one port) and pass its health checks; its last output is above',
  });
  err.logLines = await tailLogs(deps.docker, proc.id, 20);
  throw err;
}

/** Waits for a web process; returns its upstream `ip:port`. */
export async function checkBoot(deps: LocalDeps, release: Release, proc: Proc): Promise<string> {
  const name = `${proc.type}.${proc.index}`;
  const deadline = Date.now() + deps.config.runtime.bootTimeoutMs;
  const isAlive = async () => !crashed(await inspectContainer(deps.docker, proc.id));
  let ip: string | undefined;
  while (!ip && Date.now() < deadline) {
    const view = await inspectContainer(deps.docker, proc.id);
    if (crashed(view)) return fail(deps, proc, `${name} exited while booting`);
    if (view?.state === 'running' && view.ip) ip = view.ip;
    else await sleep(25);
  }
  const result: BootResult = ip
    ? await waitForPort(ip, release.port, Math.max(0, deadline - Date.now()), isAlive)
    : { ok: false, reason: 'timeout' };
  if (!result.ok) {
    return fail(deps, proc, result.reason === 'exited'
      ? `${name} exited while booting`
      : `${name} did not listen on PORT ${release.port} within ${deps.config.runtime.bootTimeoutMs / 1000} s`);
  }
  const checks = release.healthchecks?.[proc.type] ?? [];
  if (checks.length) {
    const why = await runHealthChecks(ip!, release.port, `${release.app}.${deps.config.domain}`, checks, isAlive);
    if (why) return fail(deps, proc, `${name} failed its health check: ${why}`);
  }
  return `${ip}:${release.port}`;
}
