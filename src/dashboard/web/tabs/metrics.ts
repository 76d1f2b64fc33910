// Metrics: requests per minute by status class and p50/p95 latency over the
// last hour, from the router's per-minute buckets in Redis; refreshed each
// half minute while the tab is open.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { Chart } from '../chart.js';
import type { TabProps } from '../pages/app.js';
import { ErrorBox, Loading, Panel, useAction } from '../ui.js';

interface Point { at: number; statuses: Record<string, number>; count: number; p50Ms: number | null; p95Ms: number | null }

const CLASSES: [string, string][] = [['2xx', '#2e9d5b'], ['3xx', '#3b82f6'], ['4xx', '#d99a00'], ['5xx', '#e0453a']];

export function Metrics({ app }: TabProps) {
  const [series, setSeries] = useState<Point[] | null>(null);
  const load = useAction(async () => setSeries((await api<{ series: Point[] }>('GET', `/apps/${enc(app)}/metrics?minutes=60`)).series));
  useEffect(() => {
    void load.run();
    const t = setInterval(() => void load.run(), 30_000);
    return () => clearInterval(t);
  }, [app]);
  if (!series) return html`<${Panel} title="Metrics"><${ErrorBox} error=${load.error} /><${Loading} what="metrics" /><//>`;
  const times = series.map((p) => p.at);
  const total = series.reduce((a, p) => a + p.count, 0);
  return html`<${Panel} title="Metrics">
    <${ErrorBox} error=${load.error} />
    <p class="muted small">Last hour, per minute, as the router saw it: ${total.toLocaleString('en')} requests.</p>
    <div class="charts">
      <${Chart} title="Requests per minute" unit="req" times=${times} series=${CLASSES.map(([c, colour]) => ({ label: c, colour, values: series.map((p) => p.statuses[c] ?? 0) }))} />
      <${Chart} title="Latency (ms)" unit="ms" times=${times} series=${[
        { label: 'p50', colour: '#3b82f6', values: series.map((p) => p.p50Ms) },
        { label: 'p95', colour: '#a855f7', values: series.map((p) => p.p95Ms) },
      ]} />
    </div>
  <//>`;
}
