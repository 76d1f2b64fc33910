// Requests per minute as a tiny inline SVG: one polyline per app row, far
// cheaper than a chart instance each on a page of 100 apps.
import { html } from 'htm/preact';

export function Sparkline({ values, label }: { values: readonly number[]; label: string }) {
  const w = 120;
  const h = 28;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? w / (values.length - 1) : w;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`).join(' ');
  const now = values[values.length - 1] ?? 0;
  const total = values.reduce((a, b) => a + b, 0);
  return html`<span class="spark"><svg width=${w} height=${h} viewBox=${`0 0 ${w} ${h}`} role="img" aria-label=${`${label}: ${total} requests in the last ${values.length} minutes`}>
    <polyline points=${points} fill="none" stroke="currentColor" stroke-width="1.5" /></svg><span class="spark-now">${now}/min</span></span>`;
}
