// Releases: a timeline of what made each release (a deploy of a commit, a
// config change, a rollback) with its config diff by key (values are never
// shown here), and a confirmed rollback to any earlier live release.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { ago, stamp } from '../format.js';
import type { TabProps } from '../pages/app.js';
import { Confirm, ErrorBox, Loading, Panel, useAction } from '../ui.js';

interface Release {
  version: number; description: string; createdAt: number; status: string; rev?: string; current: boolean;
  kind: 'deploy' | 'config' | 'rollback'; configDiff: { added: string[]; changed: string[]; removed: string[] };
}

const KIND = { deploy: 'Deploy', config: 'Config', rollback: 'Rollback' };

function Diff({ d }: { d: Release['configDiff'] }) {
  if (!d.added.length && !d.changed.length && !d.removed.length) return html`<span class="muted small">No config change</span>`;
  const chip = (sign: string, cls: string, what: string) => (k: string) =>
    html`<li class=${`chip ${cls}`}><span aria-hidden="true">${sign}</span><span class="sr-only">${what} </span>${k} <span class="mask" aria-label="value hidden">••••</span></li>`;
  return html`<ul class="diff" aria-label="Config changes">${[...d.added.map(chip('+', 'add', 'added')), ...d.changed.map(chip('~', 'chg', 'changed')), ...d.removed.map(chip('−', 'del', 'removed'))]}</ul>`;
}

export function Releases({ app, status, reload }: TabProps) {
  const [list, setList] = useState<Release[] | null>(null);
  const [done, setDone] = useState('');
  const load = useAction(async () => setList((await api<{ releases: Release[] }>('GET', `/apps/${enc(app)}/releases`)).releases));
  useEffect(() => { void load.run(); }, [app, status?.currentRelease]);
  const rollback = useAction(async (v: number) => {
    const r = await api<{ release: { version: number } }>('POST', `/apps/${enc(app)}/rollback`, { version: v });
    setDone(`Rolled back to v${v}: v${r.release.version} is live.`);
    await Promise.all([load.run(), reload()]);
  });
  return html`<${Panel} title="Releases">
    <${ErrorBox} error=${rollback.error ?? load.error} />
    ${done && !rollback.error ? html`<p class="ok" role="status">${done}</p>` : null}
    ${list === null ? html`<${Loading} what="releases" />` : list.length === 0 ? html`<p class="muted">No releases yet: the first git push makes v1.</p>` : html`
    <ol class="timeline">${list.map((r) => html`<li class=${r.current ? 'current' : ''}>
      <div class="tl-head">
        <strong class="ver">v${r.version}</strong>
        <span class=${`badge kind-${r.kind}`}>${KIND[r.kind]}</span>
        <span>${r.description}</span>
        ${r.rev && !r.description.includes(r.rev.slice(0, 7)) ? html`<code>${r.rev.slice(0, 7)}</code>` : null}
        ${r.current ? html`<span class="badge state-running">Current</span>` : r.status !== 'live' ? html`<span class=${`badge rel-${r.status}`}>${r.status}</span>` : null}
        <span class="grow"></span>
        <span class="muted small" title=${stamp(r.createdAt)}>${ago(r.createdAt)}</span>
        ${!r.current && r.status === 'live' ? html`<${Confirm} label=${`Roll back to v${r.version}`} question=${`Roll back to v${r.version}?`} confirm="Roll back" busy=${rollback.busy} onConfirm=${() => void rollback.run(r.version)} />` : null}
      </div>
      <${Diff} d=${r.configDiff} />
    </li>`)}</ol>`}
  <//>`;
}
