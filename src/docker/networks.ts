// One bridge network per app, so apps cannot reach each other's containers:
// Docker's DOCKER-ISOLATION chains drop traffic between separate bridges,
// while the host (the router) still reaches every container IP directly.
//   ensure (inspect, else pick a free /24 from the pool and create) ->
//   containers of the app join it -> removed on apps:destroy.
// The bridge interface is named `berth<10 hex>` so one iptables rule
// (`-i berth+`, see runtime/docker-local/firewall.ts) covers every app.
import { createHash } from 'node:crypto';
import { BerthError } from '../shared/errors.js';
import type { Docker } from './client.js';
import { isBerthOwned, LABEL } from './labels.js';

/** Interface-name prefix of every app bridge (Linux names are <= 15 chars). */
export const BRIDGE_PREFIX = 'berth';
export const DEFAULT_NETWORK_POOL = '10.213.0.0/16';

export const appNetworkName = (app: string) => `berth-app-${app}`;
export const appBridgeName = (app: string) => `${BRIDGE_PREFIX}${createHash('sha256').update(app).digest('hex').slice(0, 10)}`;

/** The app's network name, created (labelled, with its own /24) if missing. */
export async function ensureAppNetwork(docker: Docker, app: string, pool = DEFAULT_NETWORK_POOL): Promise<string> {
  const name = appNetworkName(app);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await networkExists(docker, name)) return name;
    try {
      await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { [LABEL.app]: app, [LABEL.role]: 'network' },
        IPAM: { Driver: 'default', Config: [{ Subnet: await freeSubnet(docker, pool) }] },
        Options: {
          'com.docker.network.bridge.name': appBridgeName(app),
          // Replicas and process types of one app may talk to each other.
          'com.docker.network.bridge.enable_icc': 'true',
          // Outbound (npm registry, package mirrors) stays possible.
          'com.docker.network.bridge.enable_ip_masquerade': 'true',
        },
      });
      return name;
    } catch (err) {
      // A concurrent create of the same network (409), or of another one
      // that took the same subnet (overlap): look again and retry.
      const msg = (err as Error).message ?? '';
      if ((err as { statusCode?: number }).statusCode === 409 || /overlap|already exists/i.test(msg)) continue;
      throw err;
    }
  }
  throw new BerthError('network_create_failed', 500, `could not create the Docker network ${name}`);
}

async function networkExists(docker: Docker, name: string): Promise<boolean> {
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
  if (!isBerthOwned(labels)) throw new BerthError('not_berth_owned', 500, `refusing to remove network ${appNetworkName(app)}: it has no ${LABEL.app} label`);
  await net.remove().catch((err: { statusCode?: number }) => { if (err.statusCode !== 404) throw err; });
}

// Explicit subnets, because Docker's default pools hold only ~30 networks.
async function freeSubnet(docker: Docker, pool: string): Promise<string> {
  const used = (await docker.listNetworks()).flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => !!s && !s.includes(':')));
  const ranges = used.map(cidrRange);
  const [base, bits] = cidrRange(pool);
  if (bits > 24) throw new BerthError('bad_network_pool', 500, `BERTH_APP_NETWORK_POOL must be /24 or larger, got ${pool}`);
  const start = base[0];
  for (let s = start; s <= base[1]; s += 256) {
    if (!ranges.some(([[a, b]]) => s <= b && s + 255 >= a)) return `${ipString(s)}/24`;
  }
  throw new BerthError('network_pool_exhausted', 503, `no free /24 subnet left in ${pool} for a new app network`,
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
