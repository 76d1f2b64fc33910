// A private redis-server on a free loopback port with a random key prefix,
// for tests of one stage against real Redis without a whole Berth server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/index.js';
import { connectRedis, type RedisHandle } from '../../src/store/redis.js';
import { freePort } from './berth.js';

export interface TestRedis {
  readonly handle: RedisHandle;
  /** For servers started on it (REDIS_URL); give them a prefix of their own. */
  readonly url: string;
  stop(): Promise<void>;
}

/** A redis-server of our own on a free loopback port, with a random key prefix. */
export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-redis-test-'));
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
  ], { stdio: 'ignore' });
  let spawnError: Error | undefined;
  child.once('error', (err) => { spawnError = err; });
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (spawnError || child.exitCode !== null || Date.now() > deadline) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start${spawnError ? `: ${spawnError.message}` : ''}`);
    }
    await sleep(50);
  }
  const handle = await connectRedis(loadConfig({
    REDIS_URL: `redis://127.0.0.1:${port}`,
    BERTH_REDIS_PREFIX: `berth-test-${randomBytes(4).toString('hex')}:`,
    BERTH_DATA_DIR: dir,
  }));
  return {
    handle,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await handle.close();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}


/** Every value under `prefix`, as text (strings, hashes, lists, sets, sorted sets, streams): what a Redis dump would hold. */
export async function dumpPrefix(client: import('ioredis').Redis, prefix: string): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[?*[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await client.type(key);
      const value = type === 'string' ? await client.get(key)
        : type === 'hash' ? await client.hgetall(key)
          : type === 'list' ? await client.lrange(key, 0, -1)
            : type === 'set' ? await client.smembers(key)
              : type === 'zset' ? await client.zrange(key, 0, -1)
                : type === 'stream' ? await client.xrange(key, '-', '+') : null;
      out.push(`${key} ${JSON.stringify(value)}`);
    }
  } while (cursor !== '0');
  return out.join('\n');
}
