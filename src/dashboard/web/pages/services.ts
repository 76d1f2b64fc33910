// Services: the backing services (postgres, redis) with their status and the
// apps linked to them, as `berth services` shows them, and a form to create
// one. Linking, backups and destroy stay in the CLI for now.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ago } from '../format.js';
import { Button, ErrorBox, Loading, Panel, StateBadge, useAction } from '../ui.js';
import { LastBackupCell, type LastBackup } from './service-last-backup.js';

interface Service { name: string; kind: string; status: string; health: string | null; createdAt: string; links: { app: string; envVar: string }[]; lastBackup?: LastBackup | null }

const field = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
// Docker's unhealthy verdict shows as crashed (red); starting as deploying.
const badgeState = (s: Service) => (s.status !== 'running' ? (s.status === 'restarting' ? 'deploying' : s.status === 'exited' ? 'stopped' : s.status)
  : s.health === 'unhealthy' ? 'crashed' : s.health === 'starting' ? 'deploying' : 'running');

export function ServicesPage() {
  const [list, setList] = useState<Service[] | null>(null);
  const [kind, setKind] = useState('postgres');
  const [name, setName] = useState('');
  const load = useAction(async () => { setList((await api<{ services: Service[] }>('GET', '/services')).services); });
  const create = useAction(async () => { await api('POST', '/services', { kind, name: name.trim() }); setName(''); await load.run(); });
  useEffect(() => { document.title = 'Services · Berth'; void load.run(); }, []);
  return html`<main id="main" class="page">
    <div class="page-head"><h1>Services</h1></div>
    <p class="muted">Databases for your apps. Link one with <code>${'berth services:link <service> <app>'}</code>: the app gets DATABASE_URL or REDIS_URL, and only linked apps can reach it.</p>
    <${ErrorBox} error=${load.error} />
    ${list === null ? (load.error ? null : html`<${Loading} what="services" />`) : html`<${Panel} title="Backing services">
      ${list.length ? html`<div class="scrollx"><table class="plain"><thead><tr><th scope="col">Service</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Linked to</th><th scope="col">Last backup</th><th scope="col">Created</th></tr></thead>
      <tbody>${list.map((s) => html`<tr><th scope="row">${s.name}</th><td>${s.kind}</td><td><${StateBadge} state=${badgeState(s)} /></td>
        <td>${s.links.length ? s.links.map((l, i) => html`${i ? ', ' : ''}<a href=${`/apps/${l.app}`}>${l.app}</a> <code>${l.envVar}</code>`) : html`<span class="muted">none</span>`}</td>
        <td><${LastBackupCell} backup=${s.lastBackup} /></td>
        <td>${ago(Date.parse(s.createdAt))}</td></tr>`)}</tbody></table></div>`
      : html`<p class="muted">No services yet.</p>`}
      <form class="inline wrap" onSubmit=${(e: Event) => { e.preventDefault(); void create.run(); }} aria-label="Create a service">
        <span class="field"><label for="svc-kind">Kind</label><select id="svc-kind" value=${kind} onChange=${field(setKind)}><option value="postgres">postgres</option><option value="redis">redis</option></select></span>
        <span class="field"><label for="svc-name">Name</label><input id="svc-name" value=${name} placeholder="db" autocomplete="off" spellcheck="false" onInput=${field(setName)} /></span>
        <${Button} type="submit" kind="primary" disabled=${!name.trim()} busy=${create.busy}>Create service<//>
      </form>
      <${ErrorBox} error=${create.error} />
    <//>`}
  </main>`;
}
