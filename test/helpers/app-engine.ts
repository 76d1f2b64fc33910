// Where a test's apps run, so one suite can run against either scheduler:
// the machine's own dockerd (BERTH_SCHEDULER=local) or a two-node swarm of
// private engines (BERTH_SCHEDULER=swarm, swarm-cluster.ts). A suite asks
// Berth's API what runs wherever it can; it asks the engine only for what
// the API does not show (limits, leftovers), through these few calls.
//
//   localEngine(): AppEngine      swarmEngine(): Promise<AppEngine> (skip with swarmSkip())
//   AppEngine: scheduler, env (for startBerth), docker(...args) on the engine
//     that runs one-offs, webMemoryLimits(app), leftovers(app), cleanup(apps), stop()
import { execFileSync } from 'node:child_process';
import { labelledContainers, removeAppObjects } from './docker.js';
import { privateEnginesSupported } from './second-engine.js';
import { registrySupported } from './registry.js';
import { startCluster, type Cluster } from './swarm-cluster.js';

export interface AppEngine {
  readonly scheduler: 'local' | 'swarm';
  /** Environment for startBerth: DOCKER_HOST, BERTH_SCHEDULER, the registry. */
  readonly env: Record<string, string>;
  /** The docker CLI against the engine Berth talks to (the manager under swarm). */
  docker(...args: string[]): string;
  /** The memory limit, in bytes, of each unit that runs the app's web processes (a container, or a service). */
  webMemoryLimits(app: string): Promise<number[]>;
  /** What Berth left of the app on the engine and registry, described; [] when it is all gone. */
  leftovers(app: string): Promise<string[]>;
  cleanup(apps: string[]): void;
  stop(): Promise<void>;
}

const lines = (s: string) => s.split('\n').filter(Boolean);

export function localEngine(): AppEngine {
  const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
  return {
    scheduler: 'local',
    env: {},
    docker,
    async webMemoryLimits(app) {
      return labelledContainers(app, false).map((id) => JSON.parse(docker('inspect', id))[0])
        .filter((c) => c.Config.Labels['berth.process'] === 'web').map((c) => c.HostConfig.Memory as number);
    },
    async leftovers(app) {
      return [
        ...labelledContainers(app).map((id) => `container ${id}`),
        ...lines(docker('images', '-q', '--filter', `label=berth.app=${app}`)).map((id) => `image ${id}`),
      ];
    },
    cleanup: removeAppObjects,
    async stop() {},
  };
}

/** Why the swarm suites cannot run here, or undefined when they can. */
export const swarmSkip = (): string | undefined => privateEnginesSupported() ?? registrySupported();

/** On `cluster` (left running by stop()), or on a cluster of its own. */
export async function swarmEngine(cluster?: Cluster | Promise<Cluster>): Promise<AppEngine> {
  const c = await (cluster ?? startCluster());
  const { manager, registry } = c;
  const services = (app: string) => lines(manager.docker('service', 'ls', '-q', '--filter', `label=berth.app=${app}`));
  const auth = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
  return {
    scheduler: 'swarm',
    env: c.env,
    docker: (...args) => manager.docker(...args),
    async webMemoryLimits(app) {
      return services(app).map((id) => JSON.parse(manager.docker('service', 'inspect', id))[0])
        .filter((s) => s.Spec.Labels['berth.process'] === 'web')
        .map((s) => s.Spec.TaskTemplate.Resources?.Limits?.MemoryBytes as number);
    },
    async leftovers(app) {
      const res = await fetch(`http://${registry.address}/v2/berth/app-${app}/tags/list`, { headers: { authorization: auth } });
      const tags = res.ok ? ((await res.json()) as { tags?: string[] | null }).tags ?? [] : [];
      return [
        ...services(app).map((id) => `service ${id}`),
        ...lines(manager.docker('ps', '-aq', '--filter', `label=berth.app=${app}`)).map((id) => `container ${id} on the manager`),
        ...lines(manager.docker('images', '-q', '--filter', `label=berth.app=${app}`)).map((id) => `image ${id} on the manager`),
        ...tags.map((t) => `registry tag ${t}`),
      ];
    },
    cleanup(apps) {
      for (const app of apps) for (const id of services(app)) { try { manager.docker('service', 'rm', id); } catch { /* gone */ } }
    },
    async stop() { if (!cluster) await c.stop(); },
  };
}
