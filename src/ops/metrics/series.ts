// metrics:series — an app's router traffic per minute over the last hour:
// requests by status class and p50/p95 latency, estimated from each minute's
// histogram as Prometheus' histogram_quantile does (linear within a bucket).
import { fail } from '../../shared/errors.js';
import { LATENCY_BUCKETS, readTrafficSeries } from '../../store/routes.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

export interface MinutePoint {
  readonly at: number;
  readonly statuses: Record<string, number>;
  readonly count: number;
  /** null in a minute without requests. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

/** The q-quantile in ms of non-cumulative bucket counts (+Inf last), or null. */
export function quantileMs(buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i]!;
    if (seen + n >= rank && n > 0) {
      // The +Inf bucket has no upper bound: report the highest finite one.
      if (i >= LATENCY_BUCKETS.length) return LATENCY_BUCKETS[LATENCY_BUCKETS.length - 1]! * 1000;
      const lo = i === 0 ? 0 : LATENCY_BUCKETS[i - 1]!;
      const hi = LATENCY_BUCKETS[i]!;
      return Math.round((lo + (hi - lo) * ((rank - seen) / n)) * 1e6) / 1000;
    }
    seen += n;
  }
  return null;
}

export async function metricsSeries(input: { app: unknown; minutes?: unknown }, deps: OpsDeps): Promise<MinutePoint[]> {
  const app = await requireApp(input.app, deps);
  const minutes = input.minutes === undefined || input.minutes === '' ? 60 : Number(input.minutes);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 120) throw fail('invalid_minutes', 'minutes must be a whole number from 1 to 120');
  const series = await readTrafficSeries(deps.redis, app.name, minutes);
  return series.map((m) => ({ at: m.at, statuses: m.statuses, count: m.count, p50Ms: quantileMs(m.buckets, 0.5), p95Ms: quantileMs(m.buckets, 0.95) }));
}
