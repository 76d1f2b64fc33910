// One bridge network per app, so apps cannot reach each other's containers:
// Docker's DOCKER-ISOLATION chains drop traffic between separate bridges,
// while the host (the router) still reaches every container IP directly.
//   ensure (inspect, else pick a free /24 from the pool and create) ->
//   containers of the app join it -> removed on apps:destroy.
// The bridge interface is named `berth<10 hex>` so one iptables rule
// (`-i berth+`, see runtime/docker-local/firewall.ts) covers every app.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../shared/errors.js';
import type { Docker } from './client.js';
import { isBerthOwned, LABEL } from './labels.js';

/** Interface-name prefix of every app bridge (Linux names are <= 15 chars). */
export const BRIDGE_PREFIX = 'berth';
export const DEFAULT_NETWORK_POOL = '10.213.0.0/16';

export const appNetworkName = (app: string) => `berth-app-${app}`;
export const appBridgeName = (app: string) => `${BRIDGE_PREFIX}${createHash('sha256').update(app).digest('hex').slice(0, 10)}`;

// Creations in this process go one at a time: Docker reserves a subnet
// before the new network shows in its list, so two at once pick the same.
let creating: Promise<unknown> = Promise.resolve();

/** The app's network name, created (labelled, with its own /24) if missing. */
export async function ensureAppNetwork(docker: Docker, app: string, pool = DEFAULT_NETWORK_POOL): Promise<string> {
  return ensureBerthNetwork(docker, { name: appNetworkName(app), labels: { [LABEL.app]: app, [LABEL.role]: 'network' }, bridge: appBridgeName(app) }, pool);
}

export interface BerthNetworkSpec {
  readonly name: string;
  readonly labels: Record<string, string>;
  /** The Linux bridge name; starts with BRIDGE_PREFIX so the firewall covers it. */
  readonly bridge: string;
  /** No route out (a backing service's own network needs none). */
  readonly internal?: boolean;
}

/** A labelled bridge network with its own /24 from the pool, created if missing (apps, backing services). */
export async function ensureBerthNetwork(docker: Docker, spec: BerthNetworkSpec, pool = DEFAULT_NETWORK_POOL): Promise<string> {
  if (await networkExists(docker, spec.name)) return spec.name;
  const turn = creating.then(() => createBerthNetwork(docker, spec, pool));
  creating = turn.catch(() => {});
  return turn;
}

async function createBerthNetwork(docker: Docker, spec: BerthNetworkSpec, pool: string): Promise<string> {
  const { name } = spec;
  // Subnets another process (a second Berth on this Docker) is taking right now.
  const taken = new Set<string>();
  let last = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    if (await networkExists(docker, name)) return name;
    const subnet = await freeSubnet(docker, pool, taken);
    try {
      await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Internal: spec.internal === true,
        Labels: spec.labels,
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] },
        Options: {
          'com.docker.network.bridge.name': spec.bridge,
          // Replicas and process types of one app may talk to each other.
          'com.docker.network.bridge.enable_icc': 'true',
          // Outbound (npm registry, package mirrors) stays possible.
          'com.docker.network.bridge.enable_ip_masquerade': spec.internal ? 'false' : 'true',
        },
      });
      return name;
    } catch (err) {
      // The same network made concurrently (409), or the subnet taken: again.
      last = (err as Error).message ?? String(err);
      if (/overlap/i.test(last)) taken.add(subnet);
      else if ((err as { statusCode?: number }).statusCode !== 409 && !/already exists/i.test(last)) throw err;
      await sleep(50 + Math.random() * 100);
    }
  }
  throw new BerthError('network_create_failed', `could not create the Docker network ${name}: ${last}`);
}

export async function networkExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getNetwork(name).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

/** Removes the app's network; refuses one without Berth's labels. */
export async function removeAppNetwork(docker: Docker, app: string): Promise<void> {
  const net = docker.getNetwork(appNetworkName(app));
  let labels: Record<string, string> | undefined;
  try {
    labels = ((await net.inspect()) as { Labels?: Record<string, string> }).Labels;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return;
    throw err;
  }
  if (!isBerthOwned(labels)) throw new BerthError('not_berth_owned', `refusing to remove network ${appNetworkName(app)}: it has no ${LABEL.app} label`);
  await net.remove().catch((err: { statusCode?: number }) => { if (err.statusCode !== 404) throw err; });
}

// Explicit subnets, because Docker's default pools hold only ~30 networks.
async function freeSubnet(docker: Docker, pool: string, taken: ReadonlySet<string>): Promise<string> {
  const listed = (await docker.listNetworks()).flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => !!s && !s.includes(':')));
  const used = [...listed, ...taken];
  const ranges = used.map(cidrRange);
  const [base, bits] = cidrRange(pool);
  if (bits > 24) throw new BerthError('bad_network_pool', `BERTH_APP_NETWORK_POOL must be /24 or larger, got ${pool}`);
  for (let s = base[0]; s <= base[1]; s += 256) {
    if (!ranges.some(([[a, b]]) => s <= b && s + 255 >= a)) return `${ipString(s)}/24`;
  }
  throw new BerthError('network_pool_exhausted', `no free /24 subnet left in ${pool} for a new app network`,
    { hint: 'destroy unused apps, or give BERTH_APP_NETWORK_POOL a larger range' });
}

function cidrRange(cidr: string): [[number, number], number] {
  const [ip, len] = cidr.split('/');
  const bits = Number(len ?? 32);
  const n = (ip ?? '').split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - bits);
  const first = n - (n % size);
  return [[first, first + size - 1], bits];
}

const ipString = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
