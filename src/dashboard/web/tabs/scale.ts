// Scale: a replica count per process type, saved as one ps:scale; and the
// memory/CPU limits per type (resource:limit), applied at the next deploy.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import type { TabProps } from '../pages/app.js';
import { Button, ErrorBox, Loading, Panel, useAction } from '../ui.js';
import { Resources } from './resources.js';

export function Scale({ app, info, reload }: TabProps) {
  const [formation, setFormation] = useState<Record<string, number> | null>(null);
  const [wanted, setWanted] = useState<Record<string, string>>({});
  const [done, setDone] = useState('');
  const load = useAction(async () => {
    const f = (await api<{ formation: Record<string, number> }>('GET', `/apps/${enc(app)}/ps`)).formation;
    setFormation(f);
    setWanted(Object.fromEntries(Object.entries(f).map(([t, n]) => [t, String(n)])));
  });
  useEffect(() => { void load.run(); }, [app]);
  const save = useAction(async () => {
    const next = Object.fromEntries(Object.entries(wanted).map(([t, v]) => [t, Number(v)]));
    await api('PUT', `/apps/${enc(app)}/formation`, { formation: next });
    setDone(`Scaled to ${Object.entries(next).map(([t, n]) => `${t}=${n}`).join(' ')}.`);
    await Promise.all([load.run(), reload()]);
  });
  const changed = formation && Object.entries(wanted).some(([t, v]) => Number(v) !== formation[t]);
  if (!info.currentRelease) return html`<${Panel} title="Scale"><p class="muted">Deploy the app first: process types come from its release.</p><//>`;
  return html`<${Panel} title="Scale">
    <${ErrorBox} error=${save.error ?? load.error} />
    ${done && !save.error ? html`<p class="ok" role="status">${done}</p>` : null}
    ${formation === null ? html`<${Loading} what="formation" />` : html`
    <form class="scale" onSubmit=${(e: Event) => { e.preventDefault(); if (changed) void save.run(); }}>
      ${Object.keys(wanted).map((t) => html`<div class="scalerow">
        <label for=${`scale-${t}`}><code>${t}</code></label>
        <input id=${`scale-${t}`} type="number" min="0" max="100" step="1" value=${wanted[t]} inputmode="numeric"
          onInput=${(e: Event) => setWanted({ ...wanted, [t]: (e.target as HTMLInputElement).value })} />
        <span class="muted small">${info.processTypes[t] ?? '(image CMD)'}</span>
      </div>`)}
      <div class="formfoot"><span class="muted small">New web replicas are health-checked before they take traffic.</span>
        <${Button} type="submit" kind="primary" disabled=${!changed} busy=${save.busy}>Scale<//></div>
    </form>`}
  <//>
  <${Resources} app=${app} types=${Object.keys(info.processTypes).length ? Object.keys(info.processTypes) : ['web']} />`;
}
