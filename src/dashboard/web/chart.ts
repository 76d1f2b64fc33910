// A uPlot line chart that fits its box and follows the colour scheme.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries { readonly label: string; readonly colour: string; readonly values: (number | null)[] }

// A value with no value on either side (latency in the one minute that had
// requests: the others are null) has no line to draw, so it gets a point of
// its own; without it a burst of traffic left the latency chart empty.
const lonely: uPlot.Series.Points.Filter = (u, si) => {
  const v = u.data[si] as (number | null | undefined)[];
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) if (v[i] != null && v[i - 1] == null && v[i + 1] == null) out.push(i);
  return out;
};

export function Chart(p: { title: string; unit: string; times: number[]; series: ChartSeries[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = box.current!;
    const ink = getComputedStyle(el).color;
    const grid = getComputedStyle(el).getPropertyValue('--line').trim() || '#8884';
    const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width: el.clientWidth, height: 220, padding: [12, 28, 0, 0],
      series: [{}, ...p.series.map((s) => ({ label: s.label, stroke: s.colour, width: 2, points: { show: true, size: 7, fill: s.colour, filter: lonely }, value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${v} ${p.unit}`) }))],
      axes: [{ ...axis }, { ...axis, size: 56, values: (_u: uPlot, vals: number[]) => vals.map((v) => `${v}`) }],
      scales: { x: { time: true }, y: { range: (_u: uPlot, _min: number, max: number) => [0, Math.max(max * 1.1, 1)] } },
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
    };
    plot.current = new uPlot(opts, [p.times.map((t) => t / 1000), ...p.series.map((s) => s.values)] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: 220 }));
    ro.observe(el);
    return () => { ro.disconnect(); plot.current?.destroy(); plot.current = null; };
  }, [p.series.length]);
  useEffect(() => { plot.current?.setData([p.times.map((t) => t / 1000), ...p.series.map((s) => s.values)] as uPlot.AlignedData); }, [p.times, p.series]);
  return html`<figure class="chart"><figcaption>${p.title}</figcaption><div ref=${box} class="chart-box" role="img" aria-label=${`${p.title}, last ${p.times.length} minutes`}></div></figure>`;
}
