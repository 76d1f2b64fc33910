// Router traffic per app, summed over every router: GET /metrics in
// Prometheus text format (bearer token, as Prometheus' `authorization`
// setting sends it) and GET /api/v1/apps/:app/metrics as JSON for the dashboard.
import type { ApiRouter } from '../api-router.js';
import { requireApp } from '../../ops/app-lookup.js';
import type { OpsDeps } from '../../ops/deps.js';
import { metricsSeries } from '../../ops/metrics/series.js';
import { LATENCY_BUCKETS, readTraffic, type AppMetrics } from '../../store/routes.js';
import { uncaughtCount } from '../../shared/uncaught.js';

const label = (s: string) => s.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

export function prometheusText(all: readonly AppMetrics[]): string {
  const out: string[] = [];
  const family = (name: string, type: string, help: string, rows: (m: AppMetrics, a: string) => string[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const m of all) out.push(...rows(m, `app="${label(m.app)}"`));
  };
  family('berth_router_requests_total', 'counter', 'Requests the router answered, by app and status class.',
    (m, a) => Object.entries(m.statuses).map(([cls, n]) => `berth_router_requests_total{${a},status="${cls}"} ${n}`));
  family('berth_router_request_bytes_total', 'counter', 'Request body bytes (Content-Length) sent to the app.',
    (m, a) => [`berth_router_request_bytes_total{${a}} ${m.bytesIn}`]);
  family('berth_router_response_bytes_total', 'counter', 'Response body bytes the app sent back.',
    (m, a) => [`berth_router_response_bytes_total{${a}} ${m.bytesOut}`]);
  family('berth_router_request_duration_seconds', 'histogram', 'Time from request to the end of the response.', (m, a) => [
    ...LATENCY_BUCKETS.map((le, i) => `berth_router_request_duration_seconds_bucket{${a},le="${le}"} ${m.buckets[i]}`),
    `berth_router_request_duration_seconds_bucket{${a},le="+Inf"} ${m.count}`,
    `berth_router_request_duration_seconds_sum{${a}} ${m.latencySumSec}`,
    `berth_router_request_duration_seconds_count{${a}} ${m.count}`,
  ]);
  return `${out.join('\n')}\n`;
}

/** The API process's last-resort catches (src/shared/last-resort.ts): each one is a bug. */
const uncaughtText = () => [
  '# HELP berth_uncaught_errors_total Errors no handler took, caught by the last-resort guard of this API process; each is a bug.',
  '# TYPE berth_uncaught_errors_total counter',
  `berth_uncaught_errors_total ${uncaughtCount()}`,
].join('\n') + '\n';

/** Outside /api/v1, where Prometheus expects it; read scope, as any GET. */
export function prometheusRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/metrics', 'read', async (ctx) => {
    ctx.type = 'text/plain; version=0.0.4; charset=utf-8';
    ctx.body = prometheusText(await readTraffic(deps.redis)) + uncaughtText();
  });
}

export function metricsRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/apps/:app/metrics', 'app:read', async (ctx) => {
    const app = await requireApp(ctx.params.app, deps);
    const [[metrics], series] = await Promise.all([readTraffic(deps.redis, app.name), metricsSeries({ app: app.name, minutes: ctx.query.minutes }, deps)]);
    ctx.body = { metrics: metrics ?? null, buckets: LATENCY_BUCKETS, series };
  });
}
