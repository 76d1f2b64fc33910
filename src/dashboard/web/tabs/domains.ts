// Domains: custom hostnames (or *.wildcards) routed to the app at once.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import type { TabProps } from '../pages/app.js';
import { Button, Confirm, ErrorBox, Panel, useAction } from '../ui.js';

export function Domains({ app, info, reload }: TabProps) {
  const [domains, setDomains] = useState<string[]>(info.domains);
  const [name, setName] = useState('');
  useEffect(() => setDomains(info.domains), [info.domains.join()]);
  const add = useAction(async () => {
    setDomains((await api<{ domains: string[] }>('POST', `/apps/${enc(app)}/domains`, { hostname: name })).domains);
    setName('');
    await reload();
  });
  const remove = useAction(async (d: string) => {
    setDomains((await api<{ domains: string[] }>('DELETE', `/apps/${enc(app)}/domains/${enc(d)}`)).domains);
    await reload();
  });
  return html`<${Panel} title="Domains">
    <p class="muted">The app always answers at <a href=${info.url} target="_blank" rel="noopener">${info.url}</a>. Point a DNS record for a custom name at this server, then add it here.</p>
    <${ErrorBox} error=${add.error ?? remove.error} />
    ${domains.length ? html`<ul class="list">${domains.map((d) => html`<li><code>${d}</code><span class="grow"></span>
      <${Confirm} label="Remove" question=${`Remove ${d}?`} confirm="Remove" onConfirm=${() => void remove.run(d)} /></li>`)}</ul>` : html`<p>No custom domains yet.</p>`}
    <form class="inline" onSubmit=${(e: Event) => { e.preventDefault(); if (name) void add.run(); }}>
      <label for="domain">Add a domain</label>
      <input id="domain" placeholder="www.example.com" value=${name} autocomplete="off" spellcheck="false" onInput=${(e: Event) => setName((e.target as HTMLInputElement).value.trim())} />
      <${Button} type="submit" kind="primary" disabled=${!name} busy=${add.busy}>Add domain<//>
    </form>
  <//>`;
}
