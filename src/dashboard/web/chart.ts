// A uPlot line chart that fits its box and follows the colour scheme.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries { readonly label: string; readonly colour: string; readonly values: (number | null)[] }

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
      series: [{}, ...p.series.map((s) => ({ label: s.label, stroke: s.colour, width: 2, points: { show: false }, value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${v} ${p.unit}`) }))],
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
