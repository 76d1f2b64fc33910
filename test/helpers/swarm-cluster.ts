// A two-node Docker Swarm for tests, made of two private engines (see
// second-engine.ts) so the machine's own dockerd never enters swarm mode:
// the manager in one network namespace, a worker in another, and a private
// registry (registry.ts) on the manager's host-side address. Berth under
// test talks to the manager (DOCKER_HOST) with BERTH_SCHEDULER=swarm.
//
//   startCluster(): Promise<Cluster>   (skip with privateEnginesSupported()/registrySupported())
//   Cluster: manager, worker (SecondEngine), registry (TestRegistry),
//     env (for startBerth), nodeOf(containerHostname) -> 'manager' | 'worker' | undefined, stop()
import { initSwarm, startEngine, type SecondEngine } from './second-engine.js';
import { startRegistry, type TestRegistry } from './registry.js';

export interface Cluster {
  readonly manager: SecondEngine;
  readonly worker: SecondEngine;
  readonly registry: TestRegistry;
  readonly env: Record<string, string>;
  /** Which engine runs the container with this id prefix (an app's hostname is its short id). */
  nodeOf(containerId: string): 'manager' | 'worker' | undefined;
  stop(): Promise<void>;
}

// Engines trust any registry on the test veths (10.231.0.0/16) over plain HTTP.
const TEST_NETS = '10.231.0.0/16';

export async function startCluster(): Promise<Cluster> {
  const made: Array<{ stop(): Promise<void> }> = [];
  try {
    const manager = await startEngine({ insecureRegistries: [TEST_NETS], images: ['berth/stack:bookworm', 'berth/stack:bookworm-build'] });
    made.push(manager);
    const worker = await startEngine({ insecureRegistries: [TEST_NETS] });
    made.push(worker);
    const registry = await startRegistry({ host: manager.hostAddress });
    made.push(registry);
    await initSwarm(manager, [worker]);
    const has = (e: SecondEngine, id: string) => e.docker('ps', '-q', '--no-trunc').split('\n').some((c) => c && c.startsWith(id));
    return {
      manager, worker, registry,
      env: { DOCKER_HOST: manager.host, BERTH_SCHEDULER: 'swarm', BERTH_APP_FIREWALL: 'off', ...registry.env },
      nodeOf: (id) => (has(manager, id) ? 'manager' : has(worker, id) ? 'worker' : undefined),
      async stop() { for (const m of made.reverse()) await m.stop().catch(() => {}); },
    };
  } catch (err) {
    for (const m of made.reverse()) await m.stop().catch(() => {});
    throw err;
  }
}
