// Per-app traffic: counters and a latency histogram kept in memory per
// request and added to Redis once a second (summed over every router, read by
// /metrics and the dashboard), plus Heroku-style access lines into the app's
// log stream as process `router`. Access lines are capped per app per flush,
// so a flood of requests cannot turn into a flood of Redis writes.
import { appendAppLog, type AppLogLine } from '../store/app-logs.js';
import type { RedisHandle } from '../store/redis.js';
import { addTraffic, emptyTraffic, LATENCY_BUCKETS, type AppTraffic } from '../store/routes.js';
import type { Outcome } from './proxy.js';

export interface AccessInfo {
  readonly method: string;
  readonly path: string;
  readonly host: string;
  readonly requestId: string;
  readonly clientIp: string;
  readonly tls: boolean;
}

export interface TrafficOptions {
  readonly flushMs: number;
  readonly accessLog: boolean;
  readonly accessLogPerSec: number;
  readonly appLogLines: number;
  readonly log: (line: string) => void;
}

export interface Traffic {
  record(outcome: Outcome, info: AccessInfo): void;
  /** Writes what is pending now (for tests and shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const statusClass = (status: number) => (status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : '5xx');
const quote = (s: string) => JSON.stringify(s.length > 512 ? `${s.slice(0, 512)}…` : s);

function bucketOf(seconds: number): number {
  for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (seconds <= LATENCY_BUCKETS[i]!) return i;
  return LATENCY_BUCKETS.length;
}

export function accessLine(o: Outcome, info: AccessInfo, ms: number): string {
  const at = o.error ? `at=error desc=${quote(o.error)}` : 'at=info';
  return `${at} method=${info.method} path=${quote(info.path)} host=${info.host} request_id=${info.requestId} `
    + `fwd="${info.clientIp}" upstream=${o.upstream} service=${ms}ms status=${o.status} bytes=${o.bytesOut} protocol=${info.tls ? 'https' : 'http'}`;
}

export function startTraffic(redis: RedisHandle, opts: TrafficOptions): Traffic {
  let counts = new Map<string, AppTraffic>();
  let lines = new Map<string, AppLogLine[]>();
  let dropped = new Map<string, number>();

  const flush = async () => {
    const [c, l, d] = [counts, lines, dropped];
    counts = new Map();
    lines = new Map();
    dropped = new Map();
    for (const [app, n] of d) (l.get(app) ?? l.set(app, []).get(app)!).push({ time: new Date().toISOString(), process: 'router', line: `at=warning desc="${n} access lines dropped (over ${opts.accessLogPerSec}/s)"` });
    await Promise.all([
      addTraffic(redis, c),
      ...[...l].map(([app, batch]) => appendAppLog(redis, app, batch, opts.appLogLines)),
    ]);
  };
  const timer = setInterval(() => void flush().catch((err: Error) => opts.log(`router: metrics flush failed: ${err.message}`)), opts.flushMs);
  timer.unref();

  return {
    record(o, info) {
      const ms = Date.now() - o.startedAt;
      let t = counts.get(o.app);
      if (!t) counts.set(o.app, (t = emptyTraffic()));
      const cls = statusClass(o.status);
      t.statuses[cls] = (t.statuses[cls] ?? 0) + 1;
      t.bytesIn += o.bytesIn;
      t.bytesOut += o.bytesOut;
      t.buckets[bucketOf(ms / 1000)]! += 1;
      t.latencySumSec += ms / 1000;
      t.count++;
      if (!opts.accessLog) return;
      const batch = lines.get(o.app) ?? lines.set(o.app, []).get(o.app)!;
      if (batch.length >= opts.accessLogPerSec * (opts.flushMs / 1000)) {
        dropped.set(o.app, (dropped.get(o.app) ?? 0) + 1);
        return;
      }
      batch.push({ time: new Date(o.startedAt).toISOString(), process: 'router', line: accessLine(o, info, ms) });
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush().catch(() => {});
    },
  };
}
