// The only reader of process.env. Everything tunable lives in one frozen
// object, so a test or an operator can see every knob in one place.
import { homedir, hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { int, num, onOff, type Env } from './env-read.js';
import { routerSettings } from './router-settings.js';

export interface BerthConfig {
  readonly dataDir: string;
  readonly domain: string;
  readonly bindHost: string;
  readonly routerPort: number;
  readonly apiPort: number;
  /** Unset means: run an embedded redis-server under dataDir. */
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  /** Request paths' Redis (redis-health.ts): a command's deadline, and how often Redis is PINGed. */
  readonly redisRequests: { readonly commandTimeoutMs: number; readonly probeMs: number };
  /** The embedded redis-server: a password (requirepass) and TCP addresses for other hosts (docs: deploy/workers.md). */
  readonly embeddedRedis: { readonly password: string | undefined; readonly bind: readonly string[]; readonly port: number };
  /** This node's name in `berth workers` and on the builds it runs (default: the hostname). */
  readonly workerName: string;
  readonly dockerHost: string | undefined;
  /** Which Scheduler runs apps: `local` (one engine) or `swarm` (README "Scaling out", deploy/swarm.md). */
  readonly scheduler: 'local' | 'swarm';
  /** The private registry release images are pushed to, so every node can pull them; unset: none. */
  readonly registry: RegistryConfig | undefined;
  /** Swarm only (deploy/swarm.md). */
  readonly swarm: {
    /**
     * The most replicas of a process type with storage mounts: such a type is
     * pinned to the node that holds its volumes, so its replicas cannot spread.
     */
    readonly storageReplicas: number;
  };
  /** Unset means: generate once into dataDir/admin-token. */
  readonly adminToken: string | undefined;
  readonly images: { readonly run: string; readonly build: string };
  readonly access: {
    /** SSH git remote's port; undefined when BERTH_SSH_PORT=off. */
    readonly sshPort: number | undefined;
    /** Failed sign-ins a source address may make per window before it is locked out for the rest of it. */
    readonly authFailLimit: number;
    readonly authFailWindowMs: number;
    /** Audit events kept (a capped Redis stream). */
    readonly auditMaxEvents: number;
    /** Refused requests kept, in a stream of their own so that no volume of them evicts a change. */
    readonly auditMaxDenied: number;
    /** Authenticated API requests one credential may make per minute (then 429 with Retry-After). */
    readonly apiRateLimit: number;
    /** An SSH session with no traffic is closed after this (a push's build keeps it busy). */
    readonly sshIdleTimeoutMs: number;
  };
  readonly build: {
    /** BERTH_BUILDS=off: this server takes no builds from the queue (build workers on other hosts do). */
    readonly runHere: boolean;
    readonly concurrency: number;
    readonly timeoutMs: number;
    readonly memoryBytes: number;
    readonly maxPushBytes: number;
    readonly logMaxLines: number;
    /** Per-app buildpack cache volume; emptied before a build once over this. */
    readonly cacheLimitMb: number;
    readonly cpus: number;
    readonly pidsLimit: number;
    /** A buildpack slug (its layers over the run stack) past this gets a warning in the push. */
    readonly slugWarnBytes: number;
    /** ...and past this the build fails. */
    readonly slugMaxBytes: number;
  };
  /** An API client must send its request head within this, and its body within apiBodyTimeoutMs. */
  readonly apiHeadersTimeoutMs: number;
  readonly apiBodyTimeoutMs: number;
  readonly git: {
    /** A push must send its ref updates within this, and never pause longer while sending its pack; fetches and advertisements likewise. */
    readonly receiveTimeoutMs: number;
  };
  readonly runtime: {
    readonly defaultPort: number;
    readonly bootTimeoutMs: number;
    readonly drainMs: number;
    readonly stopTimeoutSec: number;
    readonly memoryBytes: number;
    readonly imageRetention: number;
    readonly appLogLines: number;
    readonly pidsLimit: number;
    /** 0 means no CPU limit. */
    readonly cpus: number;
    /** Each app's network gets a /24 from this range. */
    readonly networkPool: string;
    /** Off: Berth installs no iptables rules (apps can then reach the host). */
    readonly firewall: boolean;
    /** Apps brought in line at once after a start or a dockerd restart. */
    readonly reconcileConcurrency: number;
    /** After go-live a new release is watched this long; 0 turns the watch off. */
    readonly watchMs: number;
    /** Off: a release that crashes in its watch window is not rolled back by itself. */
    readonly autoRollback: boolean;
    /** How often the watch looks at the new release's processes. */
    readonly watchPollMs: number;
    /** A new web process must still run this long after it answered, before traffic moves (Dokku's wait); 0 by default. */
    readonly settleMs: number;
  };
  readonly backups: BackupsConfig;
  readonly dashboard: {
    /** A dashboard session ends this long after sign-in. */
    readonly sessionTtlMs: number;
    /**
     * Believe X-Forwarded-Proto/-For from the proxy in front of the API (the
     * router's TLS, nginx). Off by default: a client could otherwise claim
     * https or another address.
     */
    readonly trustProxy: boolean;
    /** Failed sign-ins from one address before each further try waits. */
    readonly signInFreeFailures: number;
    /**
     * Unsent bytes a live stream (logs) may hold for a slow client before it
     * is let go; it reconnects with Last-Event-ID and loses nothing.
     */
    readonly streamBufferBytes: number;
  };
  readonly router: {
    /** Request start to the app's response head (Heroku's H12 is 30 s): 504 after. */
    readonly upstreamTimeoutMs: number;
    /** Unset: no HTTPS listener. Default 443 when the router is on port 80. */
    readonly tlsPort: number | undefined;
    /** Node cluster workers serving traffic (default: one per core); 1 means the server process itself. */
    readonly workers: number;
    /** Slow clients (slowloris): all headers within this, the whole request within requestTimeoutMs. */
    readonly headersTimeoutMs: number;
    readonly requestTimeoutMs: number;
    /** An idle client keep-alive connection is closed after this. */
    readonly keepAliveTimeoutMs: number;
    /** Larger request heads get 431. */
    readonly maxHeaderBytes: number;
    readonly connectTimeoutMs: number;
    /** An upstream that refused a connection gets no traffic for this long. */
    readonly ejectMs: number;
    readonly accessLog: boolean;
    /** Access lines per app per second kept in the app log; the rest are counted as dropped. */
    readonly accessLogPerSec: number;
    readonly metricsFlushMs: number;
    /** HTTP/2 on the TLS port (router/http2-guard.ts): on by default, with its abuse bounds. */
    readonly http2: Http2Limits;
    readonly acme: {
      readonly directoryUrl: string;
      readonly email: string | undefined;
      /** Extra CA (PEM file) to trust for the ACME directory, e.g. a local test CA. */
      readonly caFile: string | undefined;
      readonly renewBeforeMs: number;
      readonly checkIntervalMs: number;
    };
  };
  /** Backing services (issue 21): images built by deploy/stack/services.sh, each service's limits and deadlines. */
  readonly services: {
    readonly images: { readonly postgres: string; readonly redis: string };
    /** Builds a missing image on the first services:create. */
    readonly buildScript: string;
    readonly memoryBytes: number;
    readonly cpus: number;
    readonly pidsLimit: number;
    /** services:create returns once the service accepts connections, or fails after this. */
    readonly readyTimeoutMs: number;
    /** The image build on the first create. */
    readonly buildTimeoutMs: number;
    /** A command exec'd in a service (health, version, size). */
    readonly execTimeoutMs: number;
  };
  /** The SSH listener's bounds before a client has authenticated (src/git/ssh-gate.ts). */
  readonly sshGate: {
    /** From TCP accept: the version line must arrive within this... */
    readonly versionTimeoutMs: number;
    /** ...and authentication must succeed within this (also from accept). */
    readonly authTimeoutMs: number;
    /** Unauthenticated connections held at once, in total and per source address. */
    readonly maxUnauthenticated: number;
    readonly maxUnauthenticatedPerSource: number;
    /** Bytes a client may send before it has authenticated. */
    readonly maxPreAuthBytes: number;
    /** Descriptors kept free for Docker, Redis and the API: new SSH connections are refused within this of the limit. */
    readonly fdReserve: number;
  };
  /** Persistent storage (README "Storage"): host directories may only be mounted from under `root`; new volumes and directories belong to `uid`. */
  readonly storage: { readonly root: string; readonly uid: number; readonly gid: number };
  /** app.json `cron`: scheduled one-offs. */
  readonly cron: {
    /** A run past this is stopped and marked timed out. */
    readonly timeoutMs: number;
    /** Runs kept in each job's history. */
    readonly historyRuns: number;
    /** Runs at a time on this node (each is a container). */
    readonly concurrency: number;
    /** Test only: accept six-field schedules (seconds first) so a test's "minute" is short. */
    readonly allowSeconds: boolean;
  };
}

/**
 * HTTP/2's own bounds (README "The router"). The header-list size is the
 * router's maxHeaderBytes, and idle sessions close after keepAliveTimeoutMs,
 * as HTTP/1.1 connections do.
 */
export interface Http2Limits {
  /** Off: the TLS port offers only HTTP/1.1 by ALPN, as before. */
  readonly enabled: boolean;
  /** Streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS); more are refused. */
  readonly maxConcurrentStreams: number;
  /** Streams a client may reset in one second before its connection gets GOAWAY (rapid reset, CVE-2023-44487). */
  readonly maxResetsPerSec: number;
  /** HPACK dynamic table, both directions (SETTINGS_HEADER_TABLE_SIZE and our encoder's). */
  readonly headerTableBytes: number;
  /** Buffered frames and headers one session may hold before it is closed (node's maxSessionMemory). */
  readonly maxSessionMemoryMb: number;
  /** Entries one SETTINGS frame may carry. */
  readonly maxSettings: number;
  /** Our own unacknowledged PINGs; a client's PING and SETTINGS floods are cut by nghttp2's outbound-queue bound. */
  readonly maxOutstandingPings: number;
}

export interface BackupsConfig {
  /** Where backups go when no S3 bucket is set: <dir>/<service>/<id>.<ext>. */
  readonly dir: string;
  /** Set: backups go to this S3-compatible bucket instead (README "Backups"). */
  readonly s3: S3BackupConfig | undefined;
  /** A backup (dump, upload, check) must finish within this, or it fails. */
  readonly timeoutMs: number;
  /** An export or import stream may stay silent this long before it is cut. */
  readonly streamIdleMs: number;
  /** An import may send at most this many bytes. */
  readonly maxImportBytes: number;
  /** Backup records kept per service (the files of the ones dropped are removed too). */
  readonly keptRecords: number;
  /** S3 multipart part size: the most memory one upload holds. */
  readonly s3PartBytes: number;
}

export interface S3BackupConfig {
  readonly bucket: string;
  /** Unset: AWS's own endpoint for the region; set: path-style requests to it (MinIO, s3rver, Garage). */
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly accessKeyId: string | undefined;
  readonly secretAccessKey: string | undefined;
  /** Key prefix inside the bucket, e.g. `berth/`. */
  readonly prefix: string;
}

export interface RegistryConfig {
  /** `host:port`, as nodes reach it (and as /etc/docker/certs.d/<host:port> names it). */
  readonly address: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** CA (PEM file) Berth trusts for the registry's API (pruning); nodes trust it via certs.d. */
  readonly caFile: string | undefined;
  /** Plain HTTP: only for a registry on loopback or a private test network. */
  readonly insecure: boolean;
}


function schedulerOf(env: Env): 'local' | 'swarm' {
  const raw = (env.BERTH_SCHEDULER || 'local').toLowerCase();
  if (raw !== 'local' && raw !== 'swarm') throw new Error(`BERTH_SCHEDULER must be "local" or "swarm", got "${env.BERTH_SCHEDULER}"`);
  return raw;
}

function registryOf(env: Env): RegistryConfig | undefined {
  const address = env.BERTH_REGISTRY;
  if (!address) return undefined;
  if (!/^[a-z0-9.-]+(:\d+)?$/i.test(address)) throw new Error(`BERTH_REGISTRY must be host:port (e.g. 10.0.0.1:5000), got "${address}"`);
  return Object.freeze({
    address,
    username: env.BERTH_REGISTRY_USER || undefined,
    password: env.BERTH_REGISTRY_PASSWORD || undefined,
    caFile: env.BERTH_REGISTRY_CA || undefined,
    insecure: ['1', 'on', 'true', 'yes'].includes((env.BERTH_REGISTRY_INSECURE ?? '').toLowerCase()),
  });
}


const MiB = 1024 * 1024;

function backupsOf(env: Env, dataDir: string): BackupsConfig {
  const bucket = env.BERTH_BACKUP_S3_BUCKET || undefined;
  const endpoint = env.BERTH_BACKUP_S3_ENDPOINT || undefined;
  if (endpoint && !/^https?:\/\/[^\s/]+/.test(endpoint)) throw new Error(`BERTH_BACKUP_S3_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
  if (!bucket && endpoint) throw new Error('BERTH_BACKUP_S3_ENDPOINT is set but BERTH_BACKUP_S3_BUCKET is not: set the bucket too');
  const prefix = env.BERTH_BACKUP_S3_PREFIX ?? '';
  return Object.freeze({
    dir: path.join(dataDir, 'backups'),
    s3: bucket ? Object.freeze({
      bucket, endpoint, prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
      region: env.BERTH_BACKUP_S3_REGION || 'us-east-1',
      accessKeyId: env.BERTH_BACKUP_S3_ACCESS_KEY_ID || undefined,
      secretAccessKey: env.BERTH_BACKUP_S3_SECRET_ACCESS_KEY || undefined,
    }) : undefined,
    timeoutMs: int(env, 'BERTH_BACKUP_TIMEOUT_SEC', 3600, 1) * 1000,
    streamIdleMs: int(env, 'BERTH_BACKUP_STREAM_IDLE_SEC', 60, 1) * 1000,
    maxImportBytes: int(env, 'BERTH_BACKUP_MAX_IMPORT_MB', 10_240, 1) * MiB,
    keptRecords: 200,
    // S3's smallest part (but the last) is 5 MiB.
    s3PartBytes: int(env, 'BERTH_BACKUP_S3_PART_MB', 8, 5) * MiB,
  });
}

function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/berth' : path.join(homedir(), '.local/share/berth');
}

export function loadConfig(env: Env = process.env): BerthConfig {
  const dataDir = path.resolve(env.BERTH_DATA_DIR || defaultDataDir());
  return Object.freeze({
    dataDir,
    domain: (env.BERTH_DOMAIN || 'localhost').toLowerCase().replace(/\.$/, ''),
    bindHost: env.BERTH_BIND || '0.0.0.0',
    routerPort: int(env, 'BERTH_ROUTER_PORT', 80),
    apiPort: int(env, 'BERTH_API_PORT', 3000),
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.BERTH_REDIS_PREFIX || 'berth:',
    redisRequests: Object.freeze({
      commandTimeoutMs: int(env, 'BERTH_REDIS_REQUEST_TIMEOUT_MS', 3000, 100),
      probeMs: 500,
    }),
    embeddedRedis: Object.freeze({
      password: env.BERTH_REDIS_PASSWORD || undefined,
      bind: Object.freeze((env.BERTH_REDIS_BIND ?? '').split(/[\s,]+/).filter(Boolean)),
      port: int(env, 'BERTH_REDIS_PORT', 6379, 1),
    }),
    workerName: env.BERTH_WORKER_NAME || hostname(),
    dockerHost: env.DOCKER_HOST || undefined,
    scheduler: schedulerOf(env),
    registry: registryOf(env),
    swarm: Object.freeze({ storageReplicas: int(env, 'BERTH_SWARM_STORAGE_REPLICAS', 1, 1) }),
    adminToken: env.BERTH_ADMIN_TOKEN || undefined,
    access: Object.freeze({
      sshPort: (env.BERTH_SSH_PORT ?? '').toLowerCase() === 'off' ? undefined : int(env, 'BERTH_SSH_PORT', 2222),
      authFailLimit: int(env, 'BERTH_AUTH_FAIL_LIMIT', 20, 1),
      authFailWindowMs: int(env, 'BERTH_AUTH_FAIL_WINDOW_SEC', 60, 1) * 1000,
      auditMaxEvents: int(env, 'BERTH_AUDIT_MAX_EVENTS', 10000, 100),
      auditMaxDenied: int(env, 'BERTH_AUDIT_MAX_DENIED', 10000, 100),
      apiRateLimit: int(env, 'BERTH_API_RATE_LIMIT', 3000, 1),
      sshIdleTimeoutMs: int(env, 'BERTH_SSH_IDLE_TIMEOUT_SEC', 1800, 10) * 1000,
    }),
    images: Object.freeze({
      run: env.BERTH_STACK_IMAGE || 'berth/stack:bookworm',
      build: env.BERTH_BUILD_IMAGE || 'berth/stack:bookworm-build',
    }),
    build: Object.freeze({
      runHere: onOff(env, 'BERTH_BUILDS', true),
      concurrency: int(env, 'BERTH_BUILD_CONCURRENCY', 2, 1),
      timeoutMs: int(env, 'BERTH_BUILD_TIMEOUT_SEC', 900, 1) * 1000,
      memoryBytes: int(env, 'BERTH_BUILD_MEMORY_MB', 2048, 64) * MiB,
      maxPushBytes: int(env, 'BERTH_MAX_PUSH_MB', 512, 1) * MiB,
      logMaxLines: int(env, 'BERTH_BUILD_LOG_LINES', 10000, 100),
      cacheLimitMb: int(env, 'BERTH_BUILD_CACHE_MB', 2048, 16),
      cpus: int(env, 'BERTH_BUILD_CPUS', 2, 1),
      pidsLimit: int(env, 'BERTH_BUILD_PIDS_LIMIT', 4096, 64),
      // Bytes on disk, uncompressed (Heroku's 300/500 MB count the gzipped
      // slug): a create-next-app slug with Node.js 22 is 445 MB.
      slugWarnBytes: int(env, 'BERTH_SLUG_WARN_MB', 600, 1) * MiB,
      slugMaxBytes: int(env, 'BERTH_SLUG_MAX_MB', 1024, 1) * MiB,
    }),
    apiHeadersTimeoutMs: int(env, 'BERTH_API_HEADERS_TIMEOUT_SEC', 10, 1) * 1000,
    apiBodyTimeoutMs: int(env, 'BERTH_API_BODY_TIMEOUT_SEC', 30, 1) * 1000,
    git: Object.freeze({
      receiveTimeoutMs: int(env, 'BERTH_GIT_RECEIVE_TIMEOUT_SEC', 30, 1) * 1000,
    }),
    runtime: Object.freeze({
      defaultPort: 5000,
      // Heroku's boot timeout (R10) is 60 s.
      bootTimeoutMs: int(env, 'BERTH_BOOT_TIMEOUT_SEC', 60, 1) * 1000,
      drainMs: int(env, 'BERTH_DRAIN_MS', 3000),
      stopTimeoutSec: int(env, 'BERTH_STOP_TIMEOUT_SEC', 10),
      memoryBytes: int(env, 'BERTH_APP_MEMORY_MB', 512, 16) * MiB,
      imageRetention: int(env, 'BERTH_IMAGE_RETENTION', 5, 1),
      appLogLines: int(env, 'BERTH_APP_LOG_LINES', 10000, 100),
      pidsLimit: int(env, 'BERTH_APP_PIDS_LIMIT', 512, 16),
      cpus: num(env, 'BERTH_APP_CPUS', 1),
      networkPool: env.BERTH_APP_NETWORK_POOL || '10.213.0.0/16',
      firewall: !['0', 'off', 'false', 'no'].includes((env.BERTH_APP_FIREWALL ?? '').toLowerCase()),
      // Each app's reconcile is a few Docker API round trips; one at a time, 200 apps kept the API down 19 s after a restart.
      reconcileConcurrency: int(env, 'BERTH_RECONCILE_CONCURRENCY', 8, 1),
      watchMs: int(env, 'BERTH_WATCH_SEC', 60) * 1000,
      autoRollback: onOff(env, 'BERTH_AUTO_ROLLBACK', true),
      watchPollMs: int(env, 'BERTH_WATCH_POLL_MS', 500, 50),
      settleMs: int(env, 'BERTH_SETTLE_SEC', 0) * 1000,
    }),
    dashboard: Object.freeze({
      sessionTtlMs: int(env, 'BERTH_SESSION_TTL_SEC', 43_200, 1) * 1000,
      trustProxy: ['1', 'on', 'true', 'yes'].includes((env.BERTH_TRUST_PROXY ?? '').toLowerCase()),
      signInFreeFailures: int(env, 'BERTH_SIGNIN_FREE_FAILURES', 5, 1),
      streamBufferBytes: int(env, 'BERTH_STREAM_BUFFER_KB', 1024, 16) * 1024,
    }),
    services: Object.freeze({
      images: Object.freeze({
        postgres: env.BERTH_SERVICE_POSTGRES_IMAGE || 'berth/service-postgres:15',
        redis: env.BERTH_SERVICE_REDIS_IMAGE || 'berth/service-redis:7',
      }),
      buildScript: env.BERTH_SERVICES_BUILD_SCRIPT || fileURLToPath(new URL('../../deploy/stack/services.sh', import.meta.url)),
      memoryBytes: int(env, 'BERTH_SERVICE_MEMORY_MB', 512, 64) * MiB,
      cpus: num(env, 'BERTH_SERVICE_CPUS', 1),
      pidsLimit: int(env, 'BERTH_SERVICE_PIDS_LIMIT', 512, 32),
      readyTimeoutMs: int(env, 'BERTH_SERVICE_READY_TIMEOUT_SEC', 120, 5) * 1000,
      buildTimeoutMs: int(env, 'BERTH_SERVICE_BUILD_TIMEOUT_SEC', 900, 30) * 1000,
      execTimeoutMs: 30_000,
    }),
    router: routerSettings(env),
    sshGate: Object.freeze({
      versionTimeoutMs: int(env, 'BERTH_SSH_VERSION_TIMEOUT_SEC', 10, 1) * 1000,
      authTimeoutMs: int(env, 'BERTH_SSH_AUTH_TIMEOUT_SEC', 30, 1) * 1000,
      maxUnauthenticated: int(env, 'BERTH_SSH_MAX_UNAUTHENTICATED', 256, 1),
      maxUnauthenticatedPerSource: int(env, 'BERTH_SSH_MAX_UNAUTHENTICATED_PER_SOURCE', 32, 1),
      // OpenSSH's whole pre-auth exchange with a few RSA-4096 key tries is ~20 KiB.
      maxPreAuthBytes: int(env, 'BERTH_SSH_MAX_PREAUTH_KB', 128, 16) * 1024,
      fdReserve: int(env, 'BERTH_FD_RESERVE', 1024, 64),
    }),
    storage: Object.freeze({
      root: path.resolve(env.BERTH_STORAGE_ROOT || path.join(dataDir, 'storage')),
      // The buildpack slug's `app` user; a Dockerfile app running as another user sets its own.
      uid: int(env, 'BERTH_STORAGE_UID', 1000),
      gid: int(env, 'BERTH_STORAGE_GID', 1000),
    }),
    cron: Object.freeze({
      timeoutMs: int(env, 'BERTH_CRON_TIMEOUT_SEC', 3600, 1) * 1000,
      historyRuns: int(env, 'BERTH_CRON_HISTORY', 20, 1),
      concurrency: int(env, 'BERTH_CRON_CONCURRENCY', 4, 1),
      allowSeconds: ['1', 'on', 'true', 'yes'].includes((env.BERTH_CRON_ALLOW_SECONDS ?? '').toLowerCase()),
    }),
    backups: backupsOf(env, dataDir),
  });
}

/** Where an app answers through the router: http://<app>.<domain>[:port]. */
export function appUrl(config: BerthConfig, app: string): string {
  const port = config.routerPort === 80 ? '' : `:${config.routerPort}`;
  return `http://${app}.${config.domain}${port}`;
}
