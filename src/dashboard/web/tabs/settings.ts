// Settings: destroying the app, which asks for its name as the CLI does.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import type { TabProps } from '../pages/app.js';
import { navigate } from '../router.js';
import { Button, ErrorBox, Panel, useAction } from '../ui.js';

export function Settings({ app }: TabProps) {
  const [typed, setTyped] = useState('');
  const destroy = useAction(async () => { await api('DELETE', `/apps/${enc(app)}?confirm=${enc(typed)}`); navigate('/'); });
  return html`<${Panel} title="Destroy app">
    <p>Destroying <strong>${app}</strong> stops its processes and removes its images, releases, build logs, config, domains, certificates and git repository. It cannot be undone.</p>
    <form class="inline" onSubmit=${(e: Event) => { e.preventDefault(); if (typed === app) void destroy.run(); }}>
      <label for="confirm-name">Type <code>${app}</code> to confirm</label>
      <input id="confirm-name" value=${typed} autocomplete="off" spellcheck="false" onInput=${(e: Event) => setTyped((e.target as HTMLInputElement).value)} />
      <${Button} type="submit" kind="danger" disabled=${typed !== app} busy=${destroy.busy}>Destroy ${app}<//>
    </form>
    <${ErrorBox} error=${destroy.error} />
  <//>`;
}
