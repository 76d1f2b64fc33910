// Redis connections for state. `connect` picks the configured REDIS_URL or the
// embedded server; every key goes through `key()` so a prefix isolates
// installs and tests sharing one Redis.
import { Redis, type RedisOptions } from 'ioredis';
import type { BerthConfig } from '../config/index.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js';
import type { RedisHealth } from './redis-health.js';
import { SecretBox } from './secrets.js';
import { BerthError } from '../shared/errors.js';

export interface RedisHandle {
  /** Connection for ordinary commands. */
  readonly client: Redis;
  readonly prefix: string;
  /** Options for extra connections (blocking reads, pub/sub, bullmq). */
  readonly options: RedisOptions;
  key(...parts: string[]): string;
  /** Encrypts config values at rest; absent on router-only handles, which never read config. */
  readonly secrets?: SecretBox;
  /** Present on request handles (redis-health.ts): whether Redis answers right now. */
  readonly health?: RedisHealth;
  /** A fresh connection, for blocking commands or subscriptions. */
  duplicate(): Redis;
  close(): Promise<void>;
}

// ioredis reconnects by itself; without a listener it would print every failed
// retry as an "Unhandled error event". The request handle's probe logs outages once.
const quiet = (c: Redis): Redis => c.on('error', () => {});

const where = (url: string | undefined) => url ? url.replace(/\/\/[^@/]*@/, '//***@') : 'the embedded redis-server';

/** The first PING, with a deadline and the reason a worker on another host most often meets: the password. */
async function firstPing(client: Redis, url: string | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BerthError('redis_unreachable', `Redis at ${where(url)} did not answer within 20 s`,
      { hint: 'check REDIS_URL, that the port is open from this host, and rediss:// when the server speaks TLS' })), 20_000);
  });
  // The reply error below says it all; without a listener ioredis also prints it as unhandled.
  const quiet = () => {};
  client.on('error', quiet);
  try {
    await Promise.race([client.ping(), deadline]);
  } catch (err) {
    const msg = (err as Error).message;
    if (/NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(msg)) {
      throw new BerthError('redis_auth_failed', `Redis at ${where(url)} refused this server: ${msg}`,
        { hint: 'put the password in REDIS_URL, e.g. redis://:PASSWORD@host:6379 (rediss:// for TLS); it is the main server\'s BERTH_REDIS_PASSWORD' });
    }
    throw err;
  } finally {
    clearTimeout(timer);
    client.off('error', quiet);
  }
}

/** `superviseEmbedded: false`: attach to a running embedded redis-server without ever restarting it (embedded-redis.ts). */
export async function connectRedis(config: BerthConfig, o: { superviseEmbedded?: boolean } = {}): Promise<RedisHandle> {
  let embedded: EmbeddedRedis | undefined;
  let options: RedisOptions;
  if (config.redisUrl) {
    const url = new URL(config.redisUrl);
    options = {
      host: url.hostname,
      port: Number(url.port || 6379),
      username: url.username || undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
      tls: url.protocol === 'rediss:' ? {} : undefined,
    };
  } else {
    embedded = await startEmbeddedRedis(config.dataDir, { ...config.embeddedRedis, superviseReused: o.superviseEmbedded });
    options = { path: embedded.socketPath, password: config.embeddedRedis.password };
  }
  // bullmq needs maxRetriesPerRequest: null on its connections; state calls
  // use the same so a Redis blip waits instead of failing a deploy midway.
  options = { ...options, maxRetriesPerRequest: null, enableReadyCheck: true };
  const client = quiet(new Redis(options));
  await firstPing(client, config.redisUrl).catch(async (err) => { client.disconnect(); await embedded?.stop(); throw err; });
  const opened: Redis[] = [client];
  const prefix = config.redisPrefix;
  return {
    client,
    prefix,
    options,
    secrets: SecretBox.forDataDir(config.dataDir),
    key: (...parts) => prefix + parts.join(':'),
    duplicate() {
      const c = quiet(new Redis(options));
      opened.push(c);
      return c;
    },
    async close() {
      // A connection its user already quit (route-sync's subscription) would
      // answer a second QUIT with EPIPE: skip it.
      await Promise.all(opened.filter((c) => c.status !== 'end').map((c) => c.quit().catch(() => c.disconnect())));
      await embedded?.stop();
    },
  };
}
