// With no REDIS_URL, Berth runs its own redis-server on a unix socket under
// the data directory, AOF on, so a single machine needs no Redis set-up.
// A redis left running by a crashed Berth is reused rather than fought.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../shared/errors.js';

export interface EmbeddedRedis {
  readonly socketPath: string;
  stop(): Promise<void>;
}

/** Build workers on other hosts reach the embedded Redis over TCP: only with a password. */
export interface EmbeddedRedisOptions {
  readonly password?: string;
  readonly bind?: readonly string[];
  readonly port?: number;
}

const isLoopback = (addr: string) => addr === 'localhost' || addr === '::1' || addr.startsWith('127.');

/** Refuses an embedded Redis open to other hosts without requirepass: it would hand out every app's secrets. */
export function checkEmbeddedExposure(o: EmbeddedRedisOptions): void {
  const open = (o.bind ?? []).filter((a) => !isLoopback(a));
  if (open.length > 0 && !o.password) {
    throw new BerthError('redis_open_without_password', 500,
      `BERTH_REDIS_BIND=${open.join(',')} would open the embedded Redis to other hosts without a password`,
      { hint: 'set BERTH_REDIS_PASSWORD (long and random: openssl rand -hex 32) or bind only 127.0.0.1; see deploy/workers.md' });
  }
}

function ping(socketPath: string, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(socketPath);
    const done = (ok: boolean) => { sock.destroy(); resolve(ok); };
    let got = '';
    sock.setTimeout(500, () => done(false));
    sock.on('error', () => done(false));
    // RESP array form, so a password with spaces or quotes needs no escaping.
    const auth = password ? `*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(password)}\r\n${password}\r\n` : '';
    sock.on('connect', () => sock.write(`${auth}PING\r\n`));
    sock.on('data', (d) => { got += d.toString(); if (got.includes('+PONG') || got.includes('-')) done(got.includes('+PONG')); });
  });
}

/** The password goes in a mode-600 file, not argv, where `ps` would show it to every user. */
function listenArgs(o: EmbeddedRedisOptions, dir: string): string[] {
  const bind = o.bind ?? [];
  const tcp = bind.length === 0 ? ['--port', '0'] : ['--port', String(o.port ?? 6379), '--bind', ...bind];
  const conf = path.join(dir, 'auth.conf');
  rmSync(conf, { force: true });
  if (!o.password) return tcp;
  writeFileSync(conf, `requirepass ${JSON.stringify(o.password)}\n`, { mode: 0o600 });
  return [conf, ...tcp];
}

export async function startEmbeddedRedis(dataDir: string, o: EmbeddedRedisOptions = {}): Promise<EmbeddedRedis> {
  checkEmbeddedExposure(o);
  const dir = path.join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const socketPath = path.join(dir, 'redis.sock');
  if (existsSync(socketPath)) {
    if (await ping(socketPath, o.password)) return { socketPath, stop: async () => {} };
    rmSync(socketPath, { force: true });
  }
  const child: ChildProcess = spawn('redis-server', [
    ...listenArgs(o, dir), '--unixsocket', socketPath, '--unixsocketperm', '700',
    '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec',
    // bullmq loses jobs if Redis evicts keys.
    '--maxmemory-policy', 'noeviction',
    '--save', '', '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log'),
  ], { stdio: 'ignore' });
  let exited = false;
  const spawnError = new Promise<never>((_, reject) => {
    child.on('error', (err) => reject(new BerthError('redis_missing', 500,
      `could not start redis-server: ${err.message}`, { hint: 'install redis-server (deploy/install.sh does) or set REDIS_URL' })));
  });
  child.on('exit', () => { exited = true; });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await Promise.race([ping(socketPath, o.password), spawnError]);
    if (ok) break;
    if (exited || Date.now() > deadline) {
      throw new BerthError('redis_start_failed', 500, `embedded redis-server did not start; see ${path.join(dir, 'redis.log')}`);
    }
    await sleep(50);
  }
  return {
    socketPath,
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(5000)]);
    },
  };
}
