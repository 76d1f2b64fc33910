// A private Docker engine for tests, in a network namespace of its own.
//
// Why: tests that must restart/kill dockerd, or put an engine into swarm mode,
// must never touch the machine's main dockerd (other suites use it at the same
// time). Each engine here is a separate dockerd with its own data root, exec root,
// socket, pidfile, bridge subnet and network namespace (so its iptables, docker0
// and published ports are its own), reachable from the host at `address`.
//
// API (stable; other suites copy this file):
//   privateEnginesSupported(): string | undefined
//       undefined when this machine can run them (root, dockerd, nsenter, ip);
//       otherwise the reason, for `t.skip(reason)`.
//   startEngine(opts?): Promise<SecondEngine>
//       opts.index: 1..60 (default: the first free one, taken under a lock dir)
//       opts.insecureRegistries: ['10.231.1.1:5000', ...] passed to dockerd
//       opts.images: local image names to copy in (docker save | docker load)
//   SecondEngine:
//       index, name ('berth-se<i>'), socket (path), host ('unix://<socket>'),
//       address (the engine's IP, in its netns), hostAddress (the host's IP on
//       the same veth: reachable from the engine, e.g. for a registry on the host),
//       env ({ DOCKER_HOST }), docker(...args): string (sync CLI call against it),
//       dockerAsync(...args): Promise<string>, loadImages(names): Promise<void>,
//       log(): string (its dockerd log), stop(): Promise<void> (idempotent:
//       leaves swarm, removes containers, stops dockerd, unmounts, removes the
//       netns, veth, iptables rules and dirs).
//   initSwarm(manager, workers): Promise<void>
//       `swarm init` on manager (advertising its address, overlay pool
//       10.233.0.0/16) and `swarm join` of each worker.
//   sweepStaleEngines(): void
//       removes engines whose owning test process died (run by startEngine too).
//
// Addresses (clear of BERTH_APP_NETWORK_POOL, 10.213.0.0/16): engine i has the veth pair bse<i>h (host, 10.231.i.1/24) and
// bse<i>n (netns, 10.231.i.2/24); its docker0 is 10.232.i.1/24. Engines reach
// each other through the host (ip_forward, with FORWARD accept rules for the veths).
// The namespace is entered with `nsenter --net=` (not `ip netns exec`, which
// remounts /sys and hides the cgroup mounts dockerd needs).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const RUN_DIR = '/run/berth-engines';
const DATA_DIR = '/var/lib/berth-engines';
const MAX_INDEX = 60;

export interface EngineOptions {
  index?: number;
  insecureRegistries?: string[];
  images?: string[];
}

export interface SecondEngine {
  readonly index: number;
  readonly name: string;
  readonly socket: string;
  readonly host: string;
  readonly address: string;
  readonly hostAddress: string;
  readonly env: { DOCKER_HOST: string };
  docker(...args: string[]): string;
  dockerAsync(...args: string[]): Promise<string>;
  loadImages(names: string[]): Promise<void>;
  log(): string;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}
function tryRun(cmd: string, args: string[]): void {
  try { run(cmd, args); } catch { /* already gone */ }
}

export function privateEnginesSupported(): string | undefined {
  if (process.getuid?.() !== 0) return 'private Docker engines need root';
  for (const bin of ['dockerd', 'nsenter', 'ip', 'iptables', 'docker']) {
    try { run('sh', ['-c', `command -v ${bin}`]); } catch { return `${bin} is not installed`; }
  }
  return undefined;
}

const names = (i: number) => ({
  ns: `berth-se${i}`, hostIf: `bse${i}h`, nsIf: `bse${i}n`,
  run: `${RUN_DIR}/${i}`, data: `${DATA_DIR}/${i}`,
  hostAddress: `10.231.${i}.1`, address: `10.231.${i}.2`, bip: `10.232.${i}.1/24`,
});

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Takes index i by creating its lock dir (mkdir is atomic); false when taken. */
function claim(i: number): boolean {
  mkdirSync(RUN_DIR, { recursive: true });
  const dir = names(i).run;
  try { mkdirSync(dir); } catch { return false; }
  writeFileSync(`${dir}/owner`, String(process.pid));
  return true;
}

export function sweepStaleEngines(): void {
  if (!existsSync(RUN_DIR)) return;
  for (const entry of readdirSync(RUN_DIR)) {
    const i = Number(entry);
    if (!Number.isInteger(i)) continue;
    let owner = 0;
    try { owner = Number(readFileSync(`${RUN_DIR}/${entry}/owner`, 'utf8')); } catch { /* half-made */ }
    if (owner && pidAlive(owner)) continue;
    teardown(i);
  }
}

function unmountUnder(prefixes: string[]): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((m): m is string => !!m && prefixes.some((p) => m === p || m.startsWith(`${p}/`)));
  for (const m of mounts.sort((a, b) => b.length - a.length)) tryRun('umount', ['-l', m]);
}

function killNamespace(ns: string): void {
  let pids: string[] = [];
  try { pids = run('ip', ['netns', 'pids', ns]).split('\n').filter(Boolean); } catch { return; }
  for (const p of pids) { try { process.kill(Number(p), 'SIGKILL'); } catch { /* gone */ } }
}

function forwardRules(hostIf: string, op: '-I' | '-D'): void {
  for (const dir of ['-i', '-o']) {
    if (op === '-I') run('iptables', ['-I', 'FORWARD', '1', dir, hostIf, '-j', 'ACCEPT']);
    else tryRun('iptables', ['-D', 'FORWARD', dir, hostIf, '-j', 'ACCEPT']);
  }
}

/** Removes everything engine i may have left, whatever state it is in. */
function teardown(i: number): void {
  const n = names(i);
  try {
    const pid = Number(readFileSync(`${n.run}/docker.pid`, 'utf8'));
    if (pid && pidAlive(pid)) process.kill(pid, 'SIGKILL');
  } catch { /* never started */ }
  killNamespace(n.ns);
  unmountUnder([n.run, n.data]);
  forwardRules(n.hostIf, '-D');
  tryRun('ip', ['link', 'del', n.hostIf]);
  tryRun('ip', ['netns', 'del', n.ns]);
  rmSync(n.data, { recursive: true, force: true });
  rmSync(n.run, { recursive: true, force: true });
}

function makeNetwork(i: number): void {
  const n = names(i);
  tryRun('ip', ['netns', 'del', n.ns]);
  tryRun('ip', ['link', 'del', n.hostIf]);
  run('ip', ['netns', 'add', n.ns]);
  run('ip', ['link', 'add', n.hostIf, 'type', 'veth', 'peer', 'name', n.nsIf]);
  run('ip', ['link', 'set', n.nsIf, 'netns', n.ns]);
  run('ip', ['addr', 'add', `${n.hostAddress}/24`, 'dev', n.hostIf]);
  run('ip', ['link', 'set', n.hostIf, 'up']);
  const inNs = (...a: string[]) => run('ip', ['-n', n.ns, ...a]);
  inNs('link', 'set', 'lo', 'up');
  inNs('addr', 'add', `${n.address}/24`, 'dev', n.nsIf);
  inNs('link', 'set', n.nsIf, 'up');
  inNs('route', 'add', 'default', 'via', n.hostAddress);
  forwardRules(n.hostIf, '-I');
}

async function waitForDaemon(host: string, logFile: string, pid: () => number | null): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (pid() !== null) throw new Error(`private dockerd exited early:\n${safeRead(logFile).slice(-3000)}`);
    try { await execFileP('docker', ['-H', host, 'version', '--format', '{{.Server.Version}}'], { timeout: 10_000 }); return; } catch { /* not yet */ }
    await sleep(500);
  }
  throw new Error(`private dockerd did not answer on ${host} within 120s:\n${safeRead(logFile).slice(-3000)}`);
}

function safeRead(file: string): string {
  try { return readFileSync(file, 'utf8'); } catch { return ''; }
}

function pickIndex(wanted?: number): number {
  if (wanted !== undefined) {
    if (!claim(wanted)) throw new Error(`private engine ${wanted} is in use (${names(wanted).run})`);
    return wanted;
  }
  for (let i = 1; i <= MAX_INDEX; i++) if (claim(i)) return i;
  throw new Error(`no free private engine index (1..${MAX_INDEX}); see ${RUN_DIR}`);
}

export async function startEngine(opts: EngineOptions = {}): Promise<SecondEngine> {
  const why = privateEnginesSupported();
  if (why) throw new Error(why);
  sweepStaleEngines();
  const i = pickIndex(opts.index);
  const n = names(i);
  const socket = `${n.run}/docker.sock`;
  const host = `unix://${socket}`;
  const logFile = `${n.run}/dockerd.log`;
  let exitCode: number | null = null;
  try {
    makeNetwork(i);
    mkdirSync(n.data, { recursive: true });
    const args = [
      `--net=/var/run/netns/${n.ns}`, 'dockerd',
      '--data-root', n.data, '--exec-root', `${n.run}/exec`, '-H', host,
      '--pidfile', `${n.run}/docker.pid`, '--bip', n.bip, '--storage-driver', 'overlay2',
      '--userland-proxy=false', '--log-level', 'warn',
      ...(opts.insecureRegistries ?? []).flatMap((r) => ['--insecure-registry', r]),
    ];
    const child = spawn('nsenter', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
    let log = '';
    const append = (d: Buffer) => { log += d; if (log.length > 200_000) log = log.slice(-100_000); writeFileSync(logFile, log); };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    child.on('exit', (code) => { exitCode = code ?? -1; });
    child.unref();
    await waitForDaemon(host, logFile, () => exitCode);
  } catch (err) {
    teardown(i);
    throw err;
  }
  let stopped = false;
  const engine: SecondEngine = {
    index: i, name: n.ns, socket, host, address: n.address, hostAddress: n.hostAddress,
    env: { DOCKER_HOST: host },
    docker: (...a) => run('docker', ['-H', host, ...a]),
    dockerAsync: async (...a) => (await execFileP('docker', ['-H', host, ...a], { maxBuffer: 64 << 20 })).stdout.trim(),
    loadImages: (imgs) => loadImages(host, imgs),
    log: () => safeRead(logFile),
    async stop() {
      if (stopped) return;
      stopped = true;
      await gracefulStop(i, host);
      teardown(i);
    },
  };
  if (opts.images?.length) {
    try { await engine.loadImages(opts.images); } catch (err) { await engine.stop(); throw err; }
  }
  return engine;
}

/** docker save (main engine) | docker load (private engine), one stream. */
function loadImages(host: string, imgs: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const save = spawn('docker', ['save', ...imgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    const load = spawn('docker', ['-H', host, 'load', '-q'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    save.stderr!.on('data', (d) => { err += d; });
    load.stderr!.on('data', (d) => { err += d; });
    save.stdout!.pipe(load.stdin!);
    let saveCode: number | null = null;
    save.on('exit', (c) => { saveCode = c; });
    load.on('exit', (c) => {
      if (c === 0 && saveCode === 0) resolve();
      else reject(new Error(`loading ${imgs.join(' ')} failed (save ${saveCode}, load ${c}): ${err}`));
    });
  });
}

async function gracefulStop(i: number, host: string): Promise<void> {
  const d = (...a: string[]) => execFileP('docker', ['-H', host, ...a], { timeout: 30_000 }).then((r) => r.stdout.trim(), () => '');
  await d('swarm', 'leave', '--force');
  const ids = (await d('ps', '-aq')).split('\n').filter(Boolean);
  if (ids.length) await d('rm', '-f', ...ids);
  let pid = 0;
  try { pid = Number(readFileSync(`${names(i).run}/docker.pid`, 'utf8')); } catch { return; }
  if (!pid || !pidAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && pidAlive(pid)) await sleep(200);
}

export async function initSwarm(manager: SecondEngine, workers: SecondEngine[]): Promise<void> {
  await manager.dockerAsync('swarm', 'init', '--advertise-addr', manager.address,
    '--listen-addr', `${manager.address}:2377`, '--default-addr-pool', '10.233.0.0/16');
  const token = await manager.dockerAsync('swarm', 'join-token', '-q', 'worker');
  for (const w of workers) {
    await w.dockerAsync('swarm', 'join', '--advertise-addr', w.address, '--token', token, `${manager.address}:2377`);
  }
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ready = (await manager.dockerAsync('node', 'ls', '--format', '{{.Status}}')).split('\n').filter((s) => s === 'Ready');
    if (ready.length === workers.length + 1) return;
    await sleep(500);
  }
  throw new Error(`swarm nodes not all Ready within 60s: ${await manager.dockerAsync('node', 'ls')}`);
}
