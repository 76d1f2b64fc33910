// Builds: every kept build; the selected one's log replays from the start
// and, while it runs, streams live (SSE, resumed by Last-Event-ID after a
// drop), with the push output's step / detail / failure styles.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { ago, lineKind } from '../format.js';
import type { TabProps } from '../pages/app.js';
import { openStream, type StreamState } from '../sse.js';
import { ErrorBox, Loading, Panel, useAction } from '../ui.js';

interface Build { id: string; rev: string; status: string; createdAt: number; startedAt?: number; finishedAt?: number; release?: number; error?: string }

function BuildLog({ app, build }: { app: string; build: Build }) {
  const [lines, setLines] = useState<{ id: string; text: string }[]>([]);
  const [end, setEnd] = useState<string | null>(null);
  const [state, setState] = useState<StreamState>('connecting');
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    setLines([]);
    setEnd(null);
    const seen = new Set<string>();
    const s = openStream(`/apps/${enc(app)}/builds/${enc(build.id)}/output?follow=1`, {
      message: (d, id) => { if (!seen.has(id)) { seen.add(id); setLines((l) => [...l, { id, text: d.line }]); } },
      end: (d) => setEnd(d.status),
    });
    const unwatch = s.state.subscribe(setState);
    return () => { unwatch(); s.close(); };
  }, [app, build.id]);
  useEffect(() => { const el = box.current; if (el && !end) el.scrollTop = el.scrollHeight; }, [lines.length]);
  return html`<div class="buildlog-wrap">
    <div class="loghead"><span>Build <code>${build.id}</code> of <code>${build.rev.slice(0, 7)}</code></span>
      <span class=${`live live-${end ? 'closed' : state}`} role="status">${end ? `Finished: ${end}` : state === 'live' ? 'Streaming' : state === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}</span></div>
    <pre class="buildlog" ref=${box} tabindex="0" aria-label="Build log" data-lines=${lines.length}>${lines.map((l) => html`<span class=${`bl ${lineKind(l.text)}`} data-id=${l.id}>${`${l.text}\n`}</span>`)}</pre>
  </div>`;
}

export function Builds({ app, status }: TabProps) {
  const [builds, setBuilds] = useState<Build[] | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const load = useAction(async () => setBuilds((await api<{ builds: Build[] }>('GET', `/apps/${enc(app)}/builds`)).builds));
  useEffect(() => { void load.run(); }, [app, status?.build?.id, status?.build?.status]);
  const clear = useAction(() => api('DELETE', `/apps/${enc(app)}/builds/cache`));
  // Follow the newest build unless the reader picked another one.
  const selected = builds?.find((b) => b.id === chosen) ?? builds?.[0];
  return html`<${Panel} title="Builds" actions=${html`<button type="button" class="btn" onClick=${() => void clear.run()} disabled=${clear.busy}>Clear build cache</button>`}>
    <${ErrorBox} error=${load.error ?? clear.error} />
    ${builds === null ? html`<${Loading} what="builds" />` : builds.length === 0 ? html`<p class="muted">No builds yet: push with git to build.</p>` : html`
    <div class="builds">
      <ul class="buildlist" aria-label="Builds">${builds.map((b) => html`<li>
        <button type="button" class=${`buildpick ${b.id === selected?.id ? 'on' : ''}`} aria-pressed=${b.id === selected?.id ? 'true' : 'false'} onClick=${() => setChosen(b.id)}>
          <span class=${`badge build-${b.status}`}>${b.status}</span> <code>${b.rev.slice(0, 7)}</code>
          <span class="muted small">${ago(b.createdAt)}${b.release ? ` · v${b.release}` : ''}</span></button></li>`)}</ul>
      ${selected ? html`<${BuildLog} key=${selected.id} app=${app} build=${selected} />` : null}
    </div>`}
  <//>`;
}
