// Starting labelled process containers and reading them back: the pieces
// deploy, scale and ps share.
import { randomBytes } from 'node:crypto';
import type { BerthConfig } from '../../config/index.js';
import type { Docker } from '../../docker/client.js';
import { listContainers, runContainer, type ContainerView } from '../../docker/containers.js';
import { berthLabels, LABEL } from '../../docker/labels.js';
import { ensureAppNetwork } from '../../docker/networks.js';
import { RELEASE_PROCESS, releaseTag, type Release } from '../../shared/types.js';
import type { RedisHandle } from '../../store/redis.js';
import type { Resources } from '../scheduler.js';
import { processMounts } from '../storage-mounts.js';

export interface LocalDeps {
  readonly docker: Docker;
  readonly redis: RedisHandle;
  readonly config: BerthConfig;
}

export interface Proc {
  readonly id: string;
  readonly type: string;
  readonly index: number;
}

export function containerEnv(release: Release, type: string, index: number, port: number | undefined): Record<string, string> {
  const env: Record<string, string> = { ...release.config, DYNO: `${type}.${index}`, BERTH_APP: release.app, BERTH_RELEASE: releaseTag(release.version) };
  if (port !== undefined) env.PORT = String(port);
  return env;
}

export async function startProcess(deps: LocalDeps, release: Release, type: string, index: number, resources: Resources = {}): Promise<Proc> {
  const tag = releaseTag(release.version);
  const port = type === 'web' ? release.port : undefined;
  const limits = resources[type] ?? {};
  const id = await runContainer(deps.docker, {
    name: `berth-${release.app}-${type}-${index}-${tag}-${randomBytes(3).toString('hex')}`,
    image: release.image,
    env: containerEnv(release, type, index, port),
    labels: berthLabels(release.app, tag, type, type),
    command: release.processTypes[type] ?? undefined,
    port,
    memoryBytes: limits.memoryBytes ?? deps.config.runtime.memoryBytes,
    cpus: limits.cpus ?? (deps.config.runtime.cpus || undefined),
    pidsLimit: deps.config.runtime.pidsLimit,
    network: await ensureAppNetwork(deps.docker, release.app, deps.config.runtime.networkPool),
    mounts: await processMounts(deps.docker, deps.config, release, type),
  });
  return { id, type, index };
}

/** The app's long-running process containers (not builds, not one-offs). */
export async function appProcesses(deps: LocalDeps, app: string, all = true): Promise<ContainerView[]> {
  const found = await listContainers(deps.docker, [`${LABEL.app}=${app}`], all);
  return found.filter((c) => !['build', 'run', RELEASE_PROCESS].includes(c.labels[LABEL.role] ?? ''));
}

/** `web.2` -> 2, from the DYNO the container was started with. */
export function procIndex(c: ContainerView): number {
  return Number((c.env.DYNO ?? '').split('.')[1] ?? 0);
}

export const procType = (c: ContainerView) => c.labels[LABEL.process] ?? 'web';

/** Running and not in a crash loop: what may take traffic. */
export const isHealthyNow = (c: ContainerView) => c.state === 'running';
