// Logs: the runtime tail of every process (or one process type), streamed
// over SSE and resumed by Last-Event-ID; follow keeps the newest line in
// view, pause freezes the view while lines keep arriving underneath.
import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { enc } from '../api.js';
import { LogStore, type LogRow } from '../log-store.js';
import type { TabProps } from '../pages/app.js';
import { openStream, type StreamState } from '../sse.js';
import { Panel } from '../ui.js';
import { VirtualLog } from '../virtual-log.js';

const COLOURS = 6;
function colourOf(process = ''): number {
  let h = 0;
  for (const ch of process.split('.')[0] ?? '') h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % COLOURS;
}

const row = (r: LogRow) => html`<span class="lt">${r.time?.slice(11, 19)}</span> <span class=${`lp c${colourOf(r.process)}`}>${r.process}</span> ${r.text}`;

// The two parts that change with every frame of new lines, as their own
// components: the tab (its toolbar and selects) does not re-render for them.
function LineCount({ store }: { store: LogStore }) {
  store.version.value;
  const total = store.lines.length;
  // Not a live region: a count changing every frame would flood a screen reader.
  return html`<span class="count muted small" data-count=${total}>${total.toLocaleString('en')} lines</span>`;
}

function PauseButton({ store, paused, setPaused }: { store: LogStore; paused: number | null; setPaused: (v: number | null) => void }) {
  if (paused !== null) store.version.value;
  const total = store.lines.length;
  return html`<button type="button" class="btn" aria-pressed=${paused !== null ? 'true' : 'false'} onClick=${() => setPaused(paused === null ? store.lines.length : null)}>${paused === null ? 'Pause' : `Resume (${(total - paused).toLocaleString('en')} new)`}</button>`;
}

export function Logs({ app, info }: TabProps) {
  const [type, setType] = useState('');
  const [n, setN] = useState(1000);
  const [follow, setFollow] = useState(true);
  const [paused, setPaused] = useState<number | null>(null);
  const [state, setState] = useState<StreamState>('connecting');
  const store = useMemo(() => new LogStore(), []);
  useEffect(() => {
    store.clear();
    setPaused(null);
    const q = `tail=1&batch=1&n=${n}${type ? `&type=${enc(type)}` : ''}`;
    const s = openStream(`/apps/${enc(app)}/logs?${q}`, {
      lines: (d: { lines: [string, string, string, string][] }) => { for (const [id, time, process, text] of d.lines) store.push({ id, text, process, time }); },
      message: (d, id) => store.push({ id, text: d.line, process: d.process, time: d.time }),
    });
    const unwatch = s.state.subscribe(setState);
    return () => { unwatch(); s.close(); };
  }, [app, type, n]);
  const types = ['', ...Object.keys(info.processTypes), 'router'];
  return html`<${Panel} title="Logs">
    <div class="toolbar" role="group" aria-label="Log controls">
      <label for="logtype">Process</label>
      <select id="logtype" value=${type} onChange=${(e: Event) => setType((e.target as HTMLSelectElement).value)}>
        ${types.map((t) => html`<option value=${t}>${t || 'All processes'}</option>`)}
      </select>
      <label for="logn">Lines</label>
      <select id="logn" value=${String(n)} onChange=${(e: Event) => setN(Number((e.target as HTMLSelectElement).value))}>
        ${[1000, 10_000, 100_000].map((v) => html`<option value=${String(v)}>Last ${v.toLocaleString('en')}</option>`)}
      </select>
      <label class="check"><input type="checkbox" checked=${follow} onChange=${(e: Event) => setFollow((e.target as HTMLInputElement).checked)} /> Follow</label>
      <${PauseButton} store=${store} paused=${paused} setPaused=${setPaused} />
      <span class="grow"></span>
      <span class=${`live live-${state}`} role="status">${state === 'live' ? 'Live' : state === 'reconnecting' ? 'Reconnecting…' : state === 'closed' ? 'Disconnected' : 'Connecting…'}</span>
      <${LineCount} store=${store} />
    </div>
    <${VirtualLog} store=${store} follow=${follow && paused === null} count=${paused ?? undefined} label=${`Logs of ${app}`} onUnfollow=${() => setFollow(false)} row=${row} />
  <//>`;
}
