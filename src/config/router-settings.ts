// The router's settings and their defaults, in one place: the server reads
// them from its environment (config/index.ts), and the router takes the
// same defaults when it is started without them (router/index.ts, tests).
import { availableParallelism } from 'node:os';
import type { BerthConfig } from './index.js';
import { int, onOff, type Env } from './env-read.js';

export function routerSettings(env: Env): BerthConfig['router'] {
  return Object.freeze({
    upstreamTimeoutMs: int(env, 'BERTH_ROUTER_TIMEOUT_SEC', 30, 1) * 1000,
    tlsPort: env.BERTH_ROUTER_TLS_PORT ? int(env, 'BERTH_ROUTER_TLS_PORT', 443) : int(env, 'BERTH_ROUTER_PORT', 80) === 80 ? 443 : undefined,
    // One per core, as nginx's `worker_processes auto` on a Dokku host.
    workers: int(env, 'BERTH_ROUTER_WORKERS', availableParallelism(), 1),
    headersTimeoutMs: int(env, 'BERTH_ROUTER_HEADERS_TIMEOUT_SEC', 10, 1) * 1000,
    requestTimeoutMs: int(env, 'BERTH_ROUTER_REQUEST_TIMEOUT_SEC', 120, 1) * 1000,
    keepAliveTimeoutMs: int(env, 'BERTH_ROUTER_KEEPALIVE_SEC', 60, 1) * 1000,
    maxHeaderBytes: int(env, 'BERTH_ROUTER_MAX_HEADER_KB', 16, 1) * 1024,
    connectTimeoutMs: 3000,
    ejectMs: int(env, 'BERTH_ROUTER_EJECT_SEC', 5, 0) * 1000,
    accessLog: !['0', 'off', 'false', 'no'].includes((env.BERTH_ROUTER_ACCESS_LOG ?? '').toLowerCase()),
    accessLogPerSec: int(env, 'BERTH_ROUTER_ACCESS_LOG_PER_SEC', 100, 1),
    metricsFlushMs: 1000,
    http2: Object.freeze({
      enabled: onOff(env, 'BERTH_ROUTER_HTTP2', true),
      // nginx's http2_max_concurrent_streams.
      maxConcurrentStreams: int(env, 'BERTH_ROUTER_H2_MAX_STREAMS', 128, 1),
      maxResetsPerSec: int(env, 'BERTH_ROUTER_H2_MAX_RESETS_PER_SEC', 100, 1),
      headerTableBytes: int(env, 'BERTH_ROUTER_H2_HPACK_TABLE_KB', 4, 0) * 1024,
      maxSessionMemoryMb: int(env, 'BERTH_ROUTER_H2_SESSION_MEMORY_MB', 10, 1),
      maxSettings: 32,
      maxOutstandingPings: 10,
    }),
    acme: Object.freeze({
      directoryUrl: env.BERTH_ACME_DIRECTORY || 'https://acme-v02.api.letsencrypt.org/directory',
      email: env.BERTH_ACME_EMAIL || undefined,
      caFile: env.BERTH_ACME_CA_FILE || undefined,
      // Let's Encrypt's advice: renew when a third of the 90 days is left.
      renewBeforeMs: int(env, 'BERTH_ACME_RENEW_DAYS', 30, 1) * 86_400_000,
      checkIntervalMs: int(env, 'BERTH_ACME_CHECK_SEC', 43_200, 1) * 1000,
    }),
  });
}
