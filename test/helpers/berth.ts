// Test harness: a real `berth server` child process with its own data dir,
// embedded Redis, random ports, random token and random Redis prefix.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SERVER_NODE_FLAGS } from '../../src/shared/node-flags.js';
import { removeRouterPortRule } from '../../src/runtime/docker-local/firewall.js';
import { isRouterProcess } from '../../src/main/router-pid.js';
import { stopPid } from '../../src/main/router-process.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface Berth {
  readonly dataDir: string;
  readonly apiPort: number;
  readonly routerPort: number;
  readonly sshPort: number;
  readonly token: string;
  readonly env: Record<string, string>;
  output(): string;
  /** The server process's pid (undefined when stopped). */
  pid(): number | undefined;
  remote(app: string, token?: string): string;
  /** Stops the server (SIGTERM by default). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its data dir. */
  destroy(): Promise<void>;
  /** The pid in the router's pid file, if that process is a live router (src/main/router-pid.ts). */
  routerPid(): Promise<number | undefined>;
}

/**
 * A port taken from the kernel is free when it is picked, not when the server
 * binds it: another process (a client's ephemeral port) can take it between.
 * A start that fails on EADDRINUSE is tried again with new ports.
 */
export async function startBerth(extraEnv: Record<string, string> = {}): Promise<Berth> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startBerthOnce(extraEnv);
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test(String(err))) throw err;
    }
  }
}

async function startBerthOnce(extraEnv: Record<string, string>): Promise<Berth> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'berth-test-'));
  const apiPort = await freePort();
  const routerPort = await freePort();
  const sshPort = await freePort();
  const token = randomBytes(12).toString('hex');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    BERTH_DATA_DIR: dataDir,
    BERTH_API_PORT: String(apiPort),
    BERTH_ROUTER_PORT: String(routerPort),
    BERTH_SSH_PORT: String(sshPort),
    BERTH_BIND: '127.0.0.1',
    BERTH_ADMIN_TOKEN: token,
    BERTH_REDIS_PREFIX: `t${randomBytes(4).toString('hex')}:`,
    BERTH_DRAIN_MS: '1000',
    BERTH_STOP_TIMEOUT_SEC: '2',
    ...extraEnv,
  };
  let child: ChildProcess | undefined;
  let log = '';
  const berth: Berth = {
    dataDir, apiPort, routerPort, sshPort, token, env,
    output: () => log,
    pid: () => (child && child.exitCode === null ? child.pid : undefined),
    remote: (app, t = token) => `http://berth:${t}@127.0.0.1:${apiPort}/${app}.git`,
    async start() {
      child = spawn(process.execPath, [...SERVER_NODE_FLAGS, path.join(ROOT, 'dist/main/index.js'), 'server'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d) => { log += d; });
      child.stderr!.on('data', (d) => { log += d; });
      const deadline = Date.now() + 60_000; // a loaded CI machine can take a while
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`berth server exited early:\n${log}`);
        const ok = await fetch(`http://127.0.0.1:${apiPort}/healthz`).then((r) => r.ok, () => false);
        if (ok) return;
        await sleep(100);
      }
      throw new Error(`berth server did not become healthy:\n${log}`);
    },
    async stop(signal = 'SIGTERM') {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const gone = new Promise((resolve) => c.once('exit', resolve));
      c.kill(signal);
      await Promise.race([gone, sleep(20_000)]);
      // A server that ignores SIGTERM must not outlive the test: its pipes would keep the test process (and CI) waiting.
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await Promise.race([gone, sleep(5000)]);
      }
    },
    async routerPid() {
      const pid = Number((await readFile(path.join(dataDir, `router-${routerPort}.pid`), 'utf8').catch(() => '')).trim());
      return pid > 1 && isRouterProcess(pid) ? pid : undefined;
    },
    async destroy() {
      await berth.stop();
      // The router runs detached and outlives a SIGKILLed server: reap it too.
      const router = await berth.routerPid();
      if (router) await stopPid(router, 5000);
      // A SIGKILLed server leaves its embedded redis running: stop it too.
      await stopStrayRedis(dataDir);
      await rm(dataDir, { recursive: true, force: true });
      // The accept rules the server added for its random router ports (firewall.ts).
      for (const p of [routerPort, Number(env.BERTH_ROUTER_TLS_PORT)]) if (p) await removeRouterPortRule(p).catch(() => {});
    },
  };
  try {
    await berth.start();
  } catch (err) {
    await berth.destroy();
    throw err;
  }
  return berth;
}

async function stopStrayRedis(dataDir: string): Promise<void> {
  const sock = path.join(dataDir, 'redis', 'redis.sock');
  await new Promise<void>((resolve) => {
    const s = net.connect(sock);
    s.on('connect', () => s.end('SHUTDOWN NOSAVE\r\n'));
    s.on('close', () => resolve());
    s.on('error', () => resolve());
  });
}
