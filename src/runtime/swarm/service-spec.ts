// The Swarm service of one process type of a release: Berth's labels, the
// formation's replicas, the limits and walls app containers get on the local
// engine (src/docker/hardening.ts), a restart policy, a container health check
// (app.json's, else the port), and rolling updates that start the new task
// first and roll back by themselves when it fails. A type with storage mounts
// gets them as Swarm mounts and is pinned to the node that holds them.
import type { BerthConfig } from '../../config/index.js';
import { hardeningFor } from '../../docker/hardening.js';
import { berthLabels } from '../../docker/labels.js';
import type { Docker } from '../../docker/client.js';
import { releaseTag, type Release } from '../../shared/types.js';
import { launchProcess } from '../../shared/launcher.js';
import type { Resources } from '../scheduler.js';
import { containerEnv } from '../docker-local/processes.js';
import { healthTest } from './health-test.js';
import { processMounts } from '../storage-mounts.js';
import { BerthError } from '../../shared/errors.js';
import { settleMsOf } from '../docker-local/boot-check.js';

export const serviceName = (app: string, type: string) => `berth-${app}-${type}`;
export const overlayName = (app: string) => `berth-swarm-${app}`;

const SEC = 1e9;

export interface ServiceInput {
  readonly release: Release;
  readonly type: string;
  readonly replicas: number;
  /** The image reference nodes pull (the registry's, when one is set). */
  readonly image: string;
  readonly network: string;
  readonly resources?: Resources;
  /** Bumped to restart every task without any other change (ps:restart). */
  readonly forceUpdate?: number;
  /** The app's deploy strategy is stop-first (storage:mount --stop-first): old tasks stop before new ones start. */
  readonly stopFirst?: boolean;
}

/**
 * A type with storage mounts is pinned to this manager's node: its volumes
 * and storage directories live on this engine (made and checked here), and
 * a task elsewhere would get an empty volume of the same name.
 */
async function storagePlacement(docker: Docker, hasMounts: boolean): Promise<Record<string, unknown> | undefined> {
  if (!hasMounts) return undefined;
  const info = (await docker.info()) as { Swarm?: { NodeID?: string } };
  if (!info.Swarm?.NodeID) {
    throw new BerthError('storage_not_pinnable', 'the Docker engine Berth uses is not a Swarm node, so an app with storage mounts cannot be pinned to it',
      { hint: 'point DOCKER_HOST at the Swarm manager Berth runs on (deploy/swarm.md)', expose: true });
  }
  return { Constraints: [`node.id==${info.Swarm.NodeID}`] };
}

export async function serviceSpec(docker: Docker, config: BerthConfig, input: ServiceInput): Promise<Record<string, unknown>> {
  const { release, type } = input;
  const tag = releaseTag(release.version);
  const web = type === 'web';
  const limits = input.resources?.[type] ?? {};
  const memory = limits.memoryBytes ?? config.runtime.memoryBytes;
  const cpus = limits.cpus ?? (config.runtime.cpus || undefined);
  // The local image when there is one (built here); a remote worker's image
  // is only in the registry, and is then treated as a root image.
  const hardening = await hardeningFor(docker, release.image);
  const labels = berthLabels(release.app, tag, type, type);
  const checks = release.healthchecks?.[type] ?? [];
  // Swarm watches each updated task this long before it moves on: BERTH_SETTLE_SEC is a floor for it.
  const monitor = Math.max(5, Math.ceil(config.runtime.bootTimeoutMs / 4000), Math.ceil(settleMsOf(release, config.runtime.settleMs) / 1000));
  const command = release.processTypes[type];
  const mounts = await processMounts(docker, config, release, type);
  const order = input.stopFirst ? 'stop-first' : 'start-first';
  const launch = command ? launchProcess(type, command) : undefined;
  return {
    Name: serviceName(release.app, type),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: input.image,
        Labels: labels,
        Env: Object.entries({ TINI_KILL_PROCESS_GROUP: '1', ...containerEnv(release, type, 0, web ? release.port : undefined), ...launch?.env })
          .map(([k, v]) => `${k}=${v}`),
        // As on the local engine: bash execs the command, tini passes SIGTERM on.
        // Args, not Command: Swarm's Command replaces the image's ENTRYPOINT
        // (a buildpack slug's .profile.d launcher, which puts node on PATH).
        // The command itself is not in the arguments (shared/launcher.ts).
        Args: launch?.cmd,
        Init: true,
        Mounts: mounts.length ? mounts : undefined,
        CapabilityDrop: hardening.CapDrop,
        StopGracePeriod: config.runtime.stopTimeoutSec * SEC,
        Healthcheck: web ? {
          Test: ['CMD-SHELL', healthTest(release.port, checks[0]?.path)],
          Interval: 2 * SEC,
          Timeout: Math.max(3, checks[0]?.timeoutSec ?? 3) * SEC,
          Retries: Math.max(3, checks[0]?.attempts ?? 3),
          StartPeriod: config.runtime.bootTimeoutMs * 1e6,
        } : undefined,
      },
      Resources: { Limits: { MemoryBytes: memory, NanoCPUs: cpus ? Math.round(cpus * SEC) : undefined, Pids: config.runtime.pidsLimit } },
      RestartPolicy: { Condition: 'on-failure', Delay: 2 * SEC, MaxAttempts: 0 },
      Placement: await storagePlacement(docker, mounts.length > 0),
      Networks: [{ Target: input.network }],
      LogDriver: { Name: 'json-file', Options: { 'max-size': '10m', 'max-file': '3' } },
      ForceUpdate: input.forceUpdate ?? 0,
    },
    Mode: { Replicated: { Replicas: input.replicas } },
    UpdateConfig: { Parallelism: 1, Order: order, FailureAction: 'rollback', Monitor: monitor * SEC, MaxFailureRatio: 0 },
    RollbackConfig: { Parallelism: 1, Order: order, FailureAction: 'pause', Monitor: monitor * SEC, MaxFailureRatio: 0 },
    // No routing mesh: each task publishes the port on its own node at a
    // port Docker picks, which the route table reads back (routes.ts).
    EndpointSpec: web ? { Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: release.port, PublishMode: 'host' }] } : undefined,
  };
}
