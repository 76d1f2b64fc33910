// A log view that renders only the rows in sight (plus a margin), so 100,000
// lines scroll as smoothly as 100. Rows have one fixed height; "follow" keeps
// the view at the bottom and turns itself off when the reader scrolls up.
import { html } from 'htm/preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { LogRow, LogStore } from './log-store.js';

const ROW = 20;
const MARGIN = 20;

export interface VirtualLogProps {
  readonly store: LogStore;
  readonly follow: boolean;
  /** Rows shown (frozen while paused); default all. */
  readonly count?: number;
  readonly label: string;
  readonly onUnfollow: () => void;
  readonly row: (r: LogRow) => unknown;
}

export function VirtualLog(p: VirtualLogProps) {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 400 });
  const ours = useRef(false);
  p.store.version.value; // re-render when lines arrive
  const n = Math.min(p.count ?? p.store.lines.length, p.store.lines.length);

  useEffect(() => {
    const el = box.current!;
    const ro = new ResizeObserver(() => setView({ top: el.scrollTop, height: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = box.current!;
    if (!p.follow) return;
    const bottom = n * ROW - el.clientHeight;
    if (bottom > 0 && Math.abs(el.scrollTop - bottom) > 1) { ours.current = true; el.scrollTop = bottom; }
  });

  const onScroll = () => {
    const el = box.current!;
    if (ours.current) ours.current = false;
    else if (p.follow && el.scrollTop + el.clientHeight < n * ROW - ROW) p.onUnfollow();
    setView({ top: el.scrollTop, height: el.clientHeight });
  };

  const first = Math.max(0, Math.floor(view.top / ROW) - MARGIN);
  const last = Math.min(n, Math.ceil((view.top + view.height) / ROW) + MARGIN);
  const rows = [];
  for (let i = first; i < last; i++) {
    const r = p.store.lines[i]!;
    rows.push(html`<div class="row" key=${i} data-id=${r.id}>${p.row(r)}</div>`);
  }
  return html`<div class="vlog" ref=${box} onScroll=${onScroll} tabindex="0" role="log" aria-label=${p.label} aria-live="off">
    <div class="vlog-space" style=${{ height: `${n * ROW}px` }}>
      <div class="vlog-rows" style=${{ transform: `translateY(${first * ROW}px)` }}>${rows}</div>
    </div>
    ${n === 0 ? html`<p class="vlog-empty muted">No lines yet.</p>` : null}
  </div>`;
}
