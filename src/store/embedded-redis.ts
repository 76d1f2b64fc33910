// With no REDIS_URL, Berth runs its own redis-server on a unix socket under
// the data directory, AOF on, so a single machine needs no Redis set-up.
// A redis left running by a crashed Berth is reused rather than fought.
// Supervised: a redis-server that dies (a kill -9, the OOM killer) is started
// again on the same socket and AOF within seconds, with backoff, and logged;
// clients reconnect by themselves. A reused one is watched by PING, and
// replaced only once nothing listens on its socket any more, unless the
// caller only attaches (the router process): one data dir has one
// supervisor, or two would each start a redis-server on the same AOF.
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
  /**
   * false: a redis-server already answering is used but never restarted by
   * this process (the server that started it does that). Default true.
   */
  readonly superviseReused?: boolean;
}

const isLoopback = (addr: string) => addr === 'localhost' || addr === '::1' || addr.startsWith('127.');

/** Refuses an embedded Redis open to other hosts without requirepass: it would hand out every app's secrets. */
export function checkEmbeddedExposure(o: EmbeddedRedisOptions): void {
  const open = (o.bind ?? []).filter((a) => !isLoopback(a));
  if (open.length > 0 && !o.password) {
    throw new BerthError('redis_open_without_password', `BERTH_REDIS_BIND=${open.join(',')} would open the embedded Redis to other hosts without a password`,
      { hint: 'set BERTH_REDIS_PASSWORD (long and random: openssl rand -hex 32) or bind only 127.0.0.1; see deploy/workers.md' });
  }
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

/** Restart backoff: first retry at once-ish, doubling up to the cap; a server that stayed up this long resets it. */
const BACKOFF_FIRST_MS = 200;
const BACKOFF_MAX_MS = 10_000;
const STABLE_MS = 30_000;
/** How often a reused (not our child) server is looked at. */
const WATCH_REUSED_MS = 1000;

type Probe = 'pong' | 'silent' | 'absent';

/** 'absent': nothing listens on the socket (gone); 'silent': something does but says nothing (stopped, busy). */
function probe(socketPath: string, password?: string, timeoutMs = 500): Promise<Probe> {
  return new Promise((resolve) => {
    const sock = net.connect(socketPath);
    let settled = false;
    let got = '';
    const done = (p: Probe) => { if (!settled) { settled = true; sock.destroy(); resolve(p); } };
    sock.setTimeout(timeoutMs, () => done('silent'));
    sock.on('error', (err: NodeJS.ErrnoException) => done(['ENOENT', 'ECONNREFUSED'].includes(err.code ?? '') ? 'absent' : 'silent'));
    // RESP array form, so a password with spaces or quotes needs no escaping.
    const auth = password ? `*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(password)}\r\n${password}\r\n` : '';
    sock.on('connect', () => sock.write(`${auth}PING\r\n`));
    sock.on('data', (d) => {
      got += d.toString();
      if (got.includes('+PONG')) done('pong');
      else if (got.includes('-')) done('silent');
    });
  });
}

function spawnRedis(dir: string, socketPath: string, o: EmbeddedRedisOptions): ChildProcess {
  return spawn('redis-server', [
    ...listenArgs(o, dir), '--unixsocket', socketPath, '--unixsocketperm', '700',
    // AOF, fsync'd every second: every acknowledged write is in the file
    // (written before the reply), so a kill -9 of redis-server loses nothing;
    // only a crash of the machine itself can cost the last second.
    '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec',
    // bullmq loses jobs if Redis evicts keys.
    '--maxmemory-policy', 'noeviction',
    '--save', '', '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log'),
  ], { stdio: 'ignore' });
}

/** Starts redis-server and waits for its PONG; throws with the reason if it does not come. */
async function startOnce(dir: string, socketPath: string, o: EmbeddedRedisOptions): Promise<ChildProcess> {
  const child = spawnRedis(dir, socketPath, o);
  let exited = false;
  const spawnError = new Promise<never>((_, reject) => {
    child.on('error', (err) => reject(new BerthError('redis_missing', `could not start redis-server: ${err.message}`, { hint: 'install redis-server (deploy/install.sh does) or set REDIS_URL' })));
  });
  spawnError.catch(() => {});
  child.on('exit', () => { exited = true; });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = (await Promise.race([probe(socketPath, o.password), spawnError])) === 'pong';
    if (ok) return child;
    if (exited || Date.now() > deadline) {
      if (!exited) child.kill('SIGKILL');
      throw new BerthError('redis_start_failed', `embedded redis-server did not start; see ${path.join(dir, 'redis.log')}`);
    }
    await sleep(50);
  }
}

export async function startEmbeddedRedis(dataDir: string, o: EmbeddedRedisOptions = {}): Promise<EmbeddedRedis> {
  checkEmbeddedExposure(o);
  const dir = path.join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const socketPath = path.join(dir, 'redis.sock');
  let child: ChildProcess | undefined;
  if (existsSync(socketPath) && (await probe(socketPath, o.password)) === 'pong') {
    child = undefined; // reused: watched below
  } else {
    rmSync(socketPath, { force: true });
    child = await startOnce(dir, socketPath, o);
  }
  let stopping = false;
  let backoff = BACKOFF_FIRST_MS;
  let startedAt = Date.now();
  let watcher: NodeJS.Timeout | undefined;

  const restart = async (why: string): Promise<void> => {
    child = undefined;
    while (!stopping) {
      if (Date.now() - startedAt > STABLE_MS) backoff = BACKOFF_FIRST_MS;
      console.error(`berth: embedded redis-server ${why}; restarting it in ${backoff} ms (log: ${path.join(dir, 'redis.log')})`);
      await sleep(backoff);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      if (stopping) return;
      try {
        // A killed server leaves its socket file behind.
        rmSync(socketPath, { force: true });
        child = await startOnce(dir, socketPath, o);
        startedAt = Date.now();
        console.log(`berth: embedded redis-server restarted (pid ${child.pid})`);
        supervise(child);
        return;
      } catch (err) {
        why = `did not start again (${(err as Error).message})`;
      }
    }
  };
  const supervise = (c: ChildProcess) => {
    c.once('exit', (code, signal) => {
      if (!stopping) void restart(`exited (${signal ?? `code ${code}`})`);
    });
  };
  if (child) supervise(child);
  else if (o.superviseReused !== false) {
    // Not our child: no exit event comes, so look; a stopped (silent) server is left alone.
    watcher = setInterval(() => void probe(socketPath, o.password).then((p) => {
      if (p !== 'absent' || stopping || !watcher) return;
      clearInterval(watcher);
      watcher = undefined;
      void restart('that this server reused is gone');
    }), WATCH_REUSED_MS);
    watcher.unref();
  }
  return {
    socketPath,
    async stop() {
      stopping = true;
      clearInterval(watcher);
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      await Promise.race([gone, sleep(5000)]);
    },
  };
}
