// Walls app containers off from the host. Docker already drops traffic
// between two bridge networks (DOCKER-ISOLATION), so apps on their own
// networks cannot reach each other; but a packet from a container to any of
// the host's own addresses goes through INPUT, which Docker leaves open.
// Installed at start, idempotently, shared by every Berth on the host:
//   INPUT -i berth+ -> BERTH-APPS:
//     replies to the host's own connections (boot and health checks) pass,
//     the router port(s) pass (apps may call each other by public URL),
//     everything else is rejected at once (no hanging connect).
//   DOCKER-USER -i berth+ -> a TCP REDIS_URL elsewhere: rejected.
// Rules are only added, never flushed, so two servers on one host (say, in
// tests) do not remove each other's router ports. Outbound traffic to the
// internet (registries, mirrors) is left alone.
import { execFile } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { promisify } from 'node:util';
import { BRIDGE_PREFIX } from '../../docker/networks.js';

const run = promisify(execFile);
export const FIREWALL_CHAIN = 'BERTH-APPS';
const IN_APPS = ['-i', `${BRIDGE_PREFIX}+`];

export interface FirewallInput {
  readonly routerPorts: readonly number[];
  /** REDIS_URL when it is TCP; unix sockets are never mounted into containers. */
  readonly redisUrl: string | undefined;
}

export type FirewallResult = { applied: true } | { applied: false; why: string };

async function iptables(args: readonly string[]): Promise<boolean> {
  try {
    // -w: wait for the xtables lock, which dockerd takes too.
    await run('iptables', ['-w', '5', ...args], { timeout: 15_000 });
    return true;
  } catch (err) {
    const e = err as { code?: string | number; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('iptables is not installed (apt-get install iptables)');
    if (e.code === 1 && args.includes('-C')) return false; // the rule is not there yet
    throw new Error(`iptables ${args.join(' ')}: ${(e.stderr ?? String(err)).trim()}`);
  }
}

/** Adds the rule unless it is there: at the top for accepts, at the end for rejects. */
async function ensureRule(chain: string, rule: readonly string[], where: 'top' | 'end'): Promise<void> {
  if (await iptables(['-C', chain, ...rule])) return;
  await iptables(where === 'top' ? ['-I', chain, '1', ...rule] : ['-A', chain, ...rule]);
}

export async function installAppFirewall(input: FirewallInput): Promise<FirewallResult> {
  try {
    await iptables(['-N', FIREWALL_CHAIN]).catch((err: Error) => { if (!/exists/i.test(err.message)) throw err; });
    await ensureRule(FIREWALL_CHAIN, ['-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'], 'end');
    await ensureRule(FIREWALL_CHAIN, ['-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'], 'end');
    for (const port of input.routerPorts) await ensureRule(FIREWALL_CHAIN, ['-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT'], 'top');
    await ensureRule(FIREWALL_CHAIN, ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'], 'top');
    await ensureRule('INPUT', [...IN_APPS, '-j', FIREWALL_CHAIN], 'top');
    for (const [ip, port] of await remoteRedis(input.redisUrl)) {
      await ensureRule('DOCKER-USER', [...IN_APPS, '-d', ip, '-p', 'tcp', '--dport', String(port), '-j', 'REJECT', '--reject-with', 'tcp-reset'], 'top');
    }
    return { applied: true };
  } catch (err) {
    return { applied: false, why: (err as Error).message };
  }
}

/** Removes the accept rule of one router port (tests clean up after themselves). */
export async function removeRouterPortRule(port: number): Promise<void> {
  const rule = ['-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT'];
  while (await iptables(['-C', FIREWALL_CHAIN, ...rule]).catch(() => false)) await iptables(['-D', FIREWALL_CHAIN, ...rule]);
}

async function remoteRedis(url: string | undefined): Promise<[string, number][]> {
  if (!url || !/^rediss?:/i.test(url)) return [];
  const u = new URL(url);
  const port = Number(u.port || 6379);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const addrs = await lookup(host, { all: true, family: 4 }).catch(() => []);
  return addrs.map((a) => [a.address, port]);
}
