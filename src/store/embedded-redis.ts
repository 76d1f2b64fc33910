// With no REDIS_URL, Berth runs its own redis-server on a unix socket under
// the data directory, AOF on, so a single machine needs no Redis set-up.
// A redis left running by a crashed Berth is reused rather than fought.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../shared/errors.js';

export interface EmbeddedRedis {
  readonly socketPath: string;
  stop(): Promise<void>;
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(socketPath);
    const done = (ok: boolean) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(500, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

export async function startEmbeddedRedis(dataDir: string): Promise<EmbeddedRedis> {
  const dir = path.join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const socketPath = path.join(dir, 'redis.sock');
  if (existsSync(socketPath)) {
    if (await ping(socketPath)) return { socketPath, stop: async () => {} };
    rmSync(socketPath, { force: true });
  }
  const child: ChildProcess = spawn('redis-server', [
    '--port', '0', '--unixsocket', socketPath, '--unixsocketperm', '700',
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
    const ok = await Promise.race([ping(socketPath), spawnError]);
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
