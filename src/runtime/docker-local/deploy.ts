// docker-local deploy, in design order: start the new containers, check
// them, switch the route, then (in retire) drain and stop the old ones.
// Any failure before the switch removes only the new containers.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BerthConfig } from '../../config/index.js';
import type { Docker } from '../../docker/client.js';
import { inspectContainer, listContainers, runContainer, stopAndRemove, tailLogs, type ContainerView } from '../../docker/containers.js';
import { berthLabels, LABEL } from '../../docker/labels.js';
import type { BuildLog } from '../../shared/build-log.js';
import { BerthError } from '../../shared/errors.js';
import { releaseTag, type Release } from '../../shared/types.js';
import type { RedisHandle } from '../../store/redis.js';
import { setRoute } from '../../store/routes.js';
import type { DeployOutcome, Formation } from '../scheduler.js';
import { waitForPort, type BootResult } from './wait-for-port.js';

export interface LocalDeps {
  readonly docker: Docker;
  readonly redis: RedisHandle;
  readonly config: BerthConfig;
}

interface Started { id: string; type: string; index: number }

export function containerEnv(release: Release, type: string, index: number, port: number | undefined): Record<string, string> {
  const env: Record<string, string> = { ...release.config, DYNO: `${type}.${index}`, BERTH_APP: release.app, BERTH_RELEASE: releaseTag(release.version) };
  if (port !== undefined) env.PORT = String(port);
  return env;
}

export async function startProcesses(deps: LocalDeps, release: Release, formation: Formation): Promise<Started[]> {
  const started: Started[] = [];
  const tag = releaseTag(release.version);
  for (const [type, count] of Object.entries(formation)) {
    if (!(type in release.processTypes)) continue;
    const command = release.processTypes[type] ?? undefined;
    const port = type === 'web' ? release.port : undefined;
    for (let i = 1; i <= count; i++) {
      const id = await runContainer(deps.docker, {
        name: `berth-${release.app}-${type}-${i}-${tag}-${randomBytes(3).toString('hex')}`,
        image: release.image,
        env: containerEnv(release, type, i, port),
        labels: berthLabels(release.app, tag, type, type),
        command,
        port,
        memoryBytes: deps.config.runtime.memoryBytes,
      });
      started.push({ id, type, index: i });
    }
  }
  return started;
}

// A crash-looping container restarts under its restart policy, so a
// restart during boot counts as an exit.
const crashed = (v: ContainerView | undefined) => !v || v.state === 'exited' || v.state === 'dead' || v.restartCount > 0;

async function checkBoot(deps: LocalDeps, release: Release, proc: Started): Promise<string> {
  const deadline = Date.now() + deps.config.runtime.bootTimeoutMs;
  let result: BootResult = { ok: false, reason: 'timeout' };
  let ip: string | undefined;
  // Wait for the container to have an address (it may die before that).
  while (Date.now() < deadline) {
    const view = await inspectContainer(deps.docker, proc.id);
    if (crashed(view)) { result = { ok: false, reason: 'exited' }; break; }
    if (view?.state === 'running' && view.ip) { ip = view.ip; break; }
    await sleep(50);
  }
  if (ip) {
    const isAlive = async () => !crashed(await inspectContainer(deps.docker, proc.id));
    result = await waitForPort(ip, release.port, Math.max(0, deadline - Date.now()), isAlive);
    if (result.ok) return `${ip}:${release.port}`;
  }
  const lines = await tailLogs(deps.docker, proc.id, 20);
  const why = !result.ok && result.reason === 'exited'
    ? `${proc.type}.${proc.index} exited while booting`
    : `${proc.type}.${proc.index} did not listen on PORT ${release.port} within ${deps.config.runtime.bootTimeoutMs / 1000} s`;
  const err = new BerthError('boot_failed', 422, why, {
    hint: 'make the web process listen on $PORT (or EXPOSE exactly one port); its last output is above',
  });
  (err as BerthError & { logLines?: string[] }).logLines = lines;
  throw err;
}

export async function deployLocal(deps: LocalDeps, release: Release, formation: Formation, log: BuildLog): Promise<DeployOutcome> {
  const tag = releaseTag(release.version);
  const old = (await listContainers(deps.docker, [`${LABEL.app}=${release.app}`], true))
    .filter((c) => c.labels[LABEL.release] !== tag && c.labels[LABEL.role] !== 'build' && c.labels[LABEL.role] !== 'run');
  log.step(`Launching ${tag} (${Object.entries(formation).map(([t, n]) => `${t}=${n}`).join(' ')})`);
  let started: Started[] = [];
  try {
    started = await startProcesses(deps, release, formation);
    const web = started.filter((s) => s.type === 'web');
    const upstreams = await Promise.all(web.map((p) => checkBoot(deps, release, p)));
    if (web.length) log.detail(`web is listening on port ${release.port}`);
    await setRoute(deps.redis, { app: release.app, upstreams, release: tag });
    return {
      upstreams,
      async retire() {
        if (old.length === 0) return;
        // Requests already on the old containers finish during the drain.
        await sleep(deps.config.runtime.drainMs);
        await Promise.all(old.map((c) => stopAndRemove(deps.docker, c.id, deps.config.runtime.stopTimeoutSec)));
      },
    };
  } catch (err) {
    const lines = (err as { logLines?: string[] }).logLines;
    if (lines?.length) for (const l of lines) log.raw(l);
    await Promise.all(started.map((s) => stopAndRemove(deps.docker, s.id, 0).catch(() => {})));
    throw err;
  }
}
