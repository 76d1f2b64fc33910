// A log view that renders only the rows in sight (plus a margin), so 100,000
// lines scroll as smoothly as 100. Rows have one fixed height, so nothing is
// measured per line; each row is keyed by its stream id and never re-rendered
// once drawn, so a frame of new lines costs only the rows that came into view.
// "Follow" keeps the view at the bottom (worked out from the line count, not
// read back from a scroll event) and turns itself off when the reader scrolls up.
import { html } from 'htm/preact';
import { Component } from 'preact';
import { useEffect, useLayoutEffect, useReducer, useRef } from 'preact/hooks';
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

/** One line, drawn once: a row's content never changes. */
class Line extends Component<{ r: LogRow; draw: (r: LogRow) => unknown }> {
  shouldComponentUpdate(next: { r: LogRow }) { return next.r !== this.props.r; }
  render() { return html`<div class="row" data-id=${this.props.r.id}>${this.props.draw(this.props.r)}</div>`; }
}

export function VirtualLog(p: VirtualLogProps) {
  const box = useRef<HTMLDivElement>(null);
  const view = useRef({ top: 0, height: 400 });
  const [, redraw] = useReducer((x: number) => x + 1, 0);
  const ours = useRef(false);
  /** The top the drawn rows were worked out for. */
  const drawn = useRef(0);
  p.store.version.value; // re-render when lines arrive (at most once a frame)
  const n = Math.min(p.count ?? p.store.lines.length, p.store.lines.length);
  const bottom = Math.max(0, n * ROW - view.current.height);
  const top = p.follow ? bottom : view.current.top;

  useEffect(() => {
    const el = box.current!;
    const ro = new ResizeObserver(() => { view.current = { top: el.scrollTop, height: el.clientHeight }; redraw(0); });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = box.current!;
    if (p.follow && Math.abs(el.scrollTop - bottom) > 1) { ours.current = true; el.scrollTop = bottom; view.current = { ...view.current, top: bottom }; }
  });

  const onScroll = () => {
    const el = box.current!;
    // Our own scroll to the bottom needs no second render: the rows for it are drawn.
    if (ours.current) { ours.current = false; return; }
    if (p.follow && el.scrollTop < bottom - ROW) p.onUnfollow();
    view.current = { top: el.scrollTop, height: el.clientHeight };
    // Within the margin the drawn rows still cover the view: re-render only past it.
    if (Math.abs(el.scrollTop - drawn.current) >= (MARGIN / 2) * ROW) redraw(0);
  };

  drawn.current = top;
  const first = Math.max(0, Math.floor(top / ROW) - MARGIN);
  const last = Math.min(n, Math.ceil((top + view.current.height) / ROW) + MARGIN);
  const rows = [];
  for (let i = first; i < last; i++) {
    const r = p.store.lines[i]!;
    rows.push(html`<${Line} key=${r.id || i} r=${r} draw=${p.row} />`);
  }
  return html`<div class="vlog" ref=${box} onScroll=${onScroll} tabindex="0" role="log" aria-label=${p.label} aria-live="off">
    <div class="vlog-space" style=${{ height: `${n * ROW}px` }}>
      <div class="vlog-rows" style=${{ transform: `translateY(${first * ROW}px)` }}>${rows}</div>
    </div>
    ${n === 0 ? html`<p class="vlog-empty muted">No lines yet.</p>` : null}
  </div>`;
}
