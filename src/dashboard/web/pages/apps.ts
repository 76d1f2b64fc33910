// The apps page: every app with its state, release, processes, URL, last
// deploy and requests per minute, live over SSE (/status/stream); a filter
// box; "New app" with the exact git lines; a first-run guide when empty.
import { html } from 'htm/preact';
import { Component } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { ago, formationText } from '../format.js';
import { navigate } from '../router.js';
import { apps as feed, feedError, feedState, startFeed } from '../status-feed.js';
import { Sparkline } from '../sparkline.js';
import { Button, CopyLine, ErrorBox, Loading, StateBadge, useAction } from '../ui.js';

export interface AppStatus {
  name: string; state: string; url: string; currentRelease: number; commit?: string; deployedAt?: number;
  formation: Record<string, number>; webUp: number; rpm: number[]; build?: { id: string; status: string; rev: string };
}

const NAME = /^[a-z][a-z0-9-]{0,29}$/;

export function GitLines({ app }: { app: string }) {
  const remote = `http://berth:<token>@${location.host}/${app}.git`;
  return html`<div class="gitlines">
    <${CopyLine} label="git remote add" text=${`git remote add berth ${remote}`} />
    <${CopyLine} label="git push" text="git push berth main" />
  </div>`;
}

function NewApp({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState('');
  const valid = NAME.test(name) && !name.endsWith('-');
  const create = useAction(async () => { await api('POST', '/apps', { name }); navigate(`/apps/${name}`); });
  return html`<section class="card newapp" aria-labelledby="newapp-title">
    <header class="panel-head"><h2 id="newapp-title">New app</h2><${Button} onClick=${onClose} label="Close new app">Close<//></header>
    <p>Pick a name, then push your code from its git repository. The first push creates the app if it does not exist yet.</p>
    <label for="newapp-name">App name</label>
    <input id="newapp-name" value=${name} placeholder="my-app" autocomplete="off" spellcheck="false" aria-describedby="newapp-rule"
      onInput=${(e: Event) => setName((e.target as HTMLInputElement).value.trim().toLowerCase())} />
    <p id="newapp-rule" class="muted small">Lower-case letters, digits and dashes, starting with a letter, up to 30 characters.</p>
    <${GitLines} app=${valid ? name : 'my-app'} />
    <p class="muted small">Replace <code>${'<token>'}</code> with your API token. A Dockerfile, Procfile or a Node.js, Python, Go or static site is detected.</p>
    <${ErrorBox} error=${create.error} />
    <${Button} kind="primary" disabled=${!valid} busy=${create.busy} onClick=${() => void create.run()}>Create ${valid ? name : 'app'} now<//>
  </section>`;
}

function Empty() {
  return html`<section class="card empty" aria-labelledby="empty-title">
    <h2 id="empty-title">Deploy your first app</h2>
    <p>Berth has no apps yet. From the git repository of any app with a Dockerfile, a Procfile, or a Node.js, Python, Go or static site:</p>
    <${GitLines} app="hello" />
    <p class="muted small">The first push creates the app <code>hello</code>; its last lines print the URL it answers at. Replace <code>${'<token>'}</code> with your API token.</p>
  </section>`;
}

function processes(a: AppStatus) {
  const f = formationText(a.formation);
  // The router knows only web replicas (no Docker call per app here), so the count says so.
  return a.formation.web ? `${f} (web ${a.webUp}/${a.formation.web} up)` : f;
}

/** One app's row, re-rendered only when its status changed: a snapshot of 100 apps redraws only what moved. */
class Row extends Component<{ a: AppStatus }> {
  private seen = JSON.stringify(this.props.a);
  shouldComponentUpdate(next: { a: AppStatus }) {
    const text = JSON.stringify(next.a);
    if (text === this.seen) return false;
    this.seen = text;
    return true;
  }
  render() {
    const { a } = this.props;
    return html`<tr>
      <th scope="row"><a href=${`/apps/${a.name}`} class="app-link">${a.name}</a></th>
      <td data-label="State"><${StateBadge} state=${a.state} /></td>
      <td data-label="Release">${a.currentRelease ? html`<a href=${`/apps/${a.name}/releases`}>v${a.currentRelease}</a>` : '—'}</td>
      <td data-label="Processes">${a.currentRelease ? processes(a) : '—'}</td>
      <td data-label="URL"><a href=${a.url} target="_blank" rel="noopener">${a.url.replace(/^https?:\/\//, '')}</a></td>
      <td data-label="Last deploy">${a.deployedAt ? html`<span title=${new Date(a.deployedAt).toISOString()}>${ago(a.deployedAt)}</span>` : '—'}${a.commit ? html` <code>${a.commit}</code>` : null}
        ${a.build?.status === 'failed' ? html`<br /><a class="build-failed small" href=${`/apps/${a.name}/builds`}>push of ${a.build.rev} failed</a>` : null}</td>
      <td data-label="Requests"><${Sparkline} values=${a.rpm} label=${`${a.name} requests per minute`} /></td>
    </tr>`;
  }
}

export function AppsPage() {
  const [filter, setFilter] = useState('');
  const [adding, setAdding] = useState(false);
  useEffect(() => startFeed(), []);
  const apps = feed.value;
  const live = feedState.value;
  const error = feedError.value ? new ApiError(feedError.value, 500) : null;
  useEffect(() => { document.title = 'Apps · Berth'; }, []);
  const shown = (apps ?? []).filter((a) => a.name.includes(filter.trim().toLowerCase()));
  return html`<main id="main" class="page">
    <div class="page-head">
      <h1>Apps</h1>
      <span class=${`live live-${live}`} role="status">${live === 'live' ? 'Live' : live === 'closed' ? 'Offline' : 'Connecting…'}</span>
      <div class="grow"></div>
      ${apps?.length ? html`<label class="sr-only" for="filter">Filter apps</label>
        <input id="filter" type="search" class="filter" placeholder="Filter apps" value=${filter} onInput=${(e: Event) => setFilter((e.target as HTMLInputElement).value)} />` : null}
      <${Button} kind="primary" onClick=${() => setAdding(!adding)}>New app<//>
    </div>
    ${adding ? html`<${NewApp} onClose=${() => setAdding(false)} />` : null}
    <${ErrorBox} error=${error} />
    ${apps === null ? html`<${Loading} what="apps" />` : apps.length === 0 ? html`<${Empty} />` : html`
      <div class="card flush"><table class="apps">
        <caption class="sr-only">Apps, ${shown.length} of ${apps.length} shown</caption>
        <thead><tr><th scope="col">App</th><th scope="col">State</th><th scope="col">Release</th><th scope="col">Processes</th><th scope="col">URL</th><th scope="col">Last deploy</th><th scope="col">Requests/min</th></tr></thead>
        <tbody>${shown.map((a) => html`<${Row} key=${a.name} a=${a} />`)}</tbody>
      </table>
      ${shown.length === 0 ? html`<p class="muted pad">No app matches “${filter}”.</p>` : null}</div>`}
  </main>`;
}
