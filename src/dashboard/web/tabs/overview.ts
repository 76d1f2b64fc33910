// Overview: state, URLs, formation, current release and commit, storage
// mounts, the processes, and restart / stop / start.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { ago, formationText } from '../format.js';
import type { TabProps } from '../pages/app.js';
import { Button, Confirm, ErrorBox, Panel, StateBadge, useAction } from '../ui.js';

interface Proc { name: string; state: string; crashed: boolean; uptimeSec: number; restarts: number; release: string; lastLines?: string[]; reason?: string }

export function Overview({ app, info, status }: TabProps) {
  const [procs, setProcs] = useState<Proc[] | null>(null);
  const [note, setNote] = useState('');
  const load = async () => setProcs((await api<{ processes: Proc[] }>('GET', `/apps/${enc(app)}/ps`)).processes);
  const loading = useAction(load);
  useEffect(() => { void loading.run(); }, [app, status?.state, status?.currentRelease, status?.webUp]);
  const act = useAction(async (verb: string) => {
    await api('POST', `/apps/${enc(app)}/ps/${verb}`, {});
    setNote(verb === 'stop' ? 'Stopped every process.' : 'Processes replaced and healthy.');
    await load();
  });
  const stopped = status?.state === 'stopped';
  return html`
    <div class="grid2">
      <${Panel} title="Status">
        <dl class="facts">
          <dt>State</dt><dd>${status ? html`<${StateBadge} state=${status.state} />` : '…'}</dd>
          <dt>URL</dt><dd><a href=${info.url} target="_blank" rel="noopener">${info.url}</a></dd>
          ${info.domains.map((d) => html`<dt class="sr-only">Domain</dt><dd><a href=${`http://${d.replace(/^\*\./, 'www.')}`} target="_blank" rel="noopener">${d}</a></dd>`)}
          <dt>Release</dt><dd>${info.currentRelease ? html`<a href=${`/apps/${app}/releases`}>v${info.currentRelease}</a>` : 'not deployed yet'}${status?.commit ? html` · commit <code>${status.commit}</code>` : null}${status?.deployedAt ? html` · ${ago(status.deployedAt)}` : null}</dd>
          <dt>Formation</dt><dd>${info.currentRelease ? html`${formationText(info.formation)} <a href=${`/apps/${app}/scale`} class="small">Scale</a>` : 'set by the first deploy'}</dd>
          ${info.storage?.length ? html`<dt>Storage</dt><dd><ul class="plain-list">${info.storage.map((m) => html`<li><code class="wrap">${m.mount}</code>${m.processes ? html` <span class="small">(${m.processes.join(', ')})</span>` : null}</li>`)}</ul></dd>` : null}
          <dt>Git remote</dt><dd><code class="wrap">${`http://berth:<token>@${location.host}/${app}.git`}</code></dd>
        </dl>
      <//>
      <${Panel} title="Processes" actions=${info.currentRelease ? html`
        <${Button} busy=${act.busy} onClick=${() => void act.run(stopped ? 'start' : 'restart')}>${stopped ? 'Start' : 'Restart'}<//>
        ${stopped ? null : html`<${Confirm} label="Stop" question="Stop every process?" confirm="Stop" onConfirm=${() => void act.run('stop')} />`}` : null}>
        <${ErrorBox} error=${act.error ?? loading.error} />
        ${note && !act.error ? html`<p class="ok" role="status">${note}</p>` : null}
        ${procs === null ? html`<p class="muted">Loading…</p>` : procs.length === 0 ? html`<p class="muted">No processes are running.</p>` : html`
          <table class="plain"><thead><tr><th scope="col">Process</th><th scope="col">State</th><th scope="col">Up</th><th scope="col">Restarts</th><th scope="col">Release</th></tr></thead>
          <tbody>${procs.map((p) => html`<tr><td><code>${p.name}</code></td><td class=${p.crashed ? 'bad' : ''}>${p.state}${p.crashed && p.reason ? html`<span class="small"> (${p.reason})</span>` : null}</td><td>${p.uptimeSec ? `${Math.round(p.uptimeSec / 60)}m` : '—'}</td><td>${p.restarts}</td><td>${p.release}</td></tr>
            ${p.lastLines?.length ? html`<tr><td colspan="5"><pre class="tail">${p.lastLines.join('\n')}</pre></td></tr>` : null}`)}</tbody></table>`}
      <//>
    </div>`;
}
