// Config vars: values masked until revealed; edit any number of values and
// add new ones, then one Save is one config:set, so one release. Removing a
// var is its own confirmed config:unset (one release too).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import type { TabProps } from '../pages/app.js';
import { Button, Confirm, ErrorBox, Loading, Panel, useAction } from '../ui.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function ConfigVars({ app, reload }: TabProps) {
  const [vars, setVars] = useState<Record<string, string> | null>(null);
  const [shown, setShown] = useState<Set<string>>(new Set());
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [newKey, setNewKey] = useState('');
  const [newValue, setNewValue] = useState('');
  const [done, setDone] = useState('');
  const load = useAction(async () => setVars((await api<{ config: Record<string, string> }>('GET', `/apps/${enc(app)}/config`)).config));
  useEffect(() => { void load.run(); }, [app]);
  const staged: Record<string, string> = { ...edits, ...(newKey ? { [newKey]: newValue } : {}) };
  const changes = Object.keys(staged).filter((k) => vars?.[k] !== staged[k]);
  const after = (r: { release?: { version: number } }, what: string) => setDone(r.release ? `${what}: v${r.release.version} is live.` : `${what}.`);
  const save = useAction(async () => {
    if (newKey && !KEY.test(newKey)) throw new Error(`${newKey} is not a valid name: use letters, digits and _, not starting with a digit`);
    const body = Object.fromEntries(changes.map((k) => [k, staged[k]!]));
    const r = await api('PUT', `/apps/${enc(app)}/config`, { vars: body });
    after(r, `Set ${changes.join(', ')}`);
    setEdits({}); setNewKey(''); setNewValue('');
    await Promise.all([load.run(), reload()]);
  });
  const remove = useAction(async (k: string) => {
    const r = await api('DELETE', `/apps/${enc(app)}/config?keys=${enc(k)}`);
    after(r, `Removed ${k}`);
    await Promise.all([load.run(), reload()]);
  });
  const toggle = (k: string) => { const s = new Set(shown); if (s.has(k)) s.delete(k); else s.add(k); setShown(s); };
  const onSubmit = (e: Event) => { e.preventDefault(); if (changes.length) void save.run(); };
  return html`<${Panel} title="Config vars">
    <${ErrorBox} error=${save.error ?? remove.error ?? load.error} />
    ${done && !save.error && !remove.error ? html`<p class="ok" role="status">${done}</p>` : null}
    ${vars === null ? html`<${Loading} what="config vars" />` : html`<form onSubmit=${onSubmit}>
      <table class="plain config"><thead><tr><th scope="col">Name</th><th scope="col">Value</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody>
      ${Object.keys(vars).sort().map((k) => {
        const editing = k in edits;
        return html`<tr>
          <th scope="row"><code>${k}</code></th>
          <td>${editing ? html`<label class="sr-only" for=${`v-${k}`}>Value of ${k}</label><input id=${`v-${k}`} class="mono" value=${edits[k]} onInput=${(e: Event) => setEdits({ ...edits, [k]: (e.target as HTMLInputElement).value })} />`
            : shown.has(k) ? html`<code class="wrap">${vars[k]}</code>` : html`<span class="mask" aria-label="hidden value">••••••••</span>`}</td>
          <td class="rowactions">
            ${editing ? null : html`<button type="button" class="btn small" onClick=${() => toggle(k)} aria-label=${`${shown.has(k) ? 'Hide' : 'Reveal'} ${k}`}>${shown.has(k) ? 'Hide' : 'Reveal'}</button>
            <button type="button" class="btn small" onClick=${() => setEdits({ ...edits, [k]: vars[k]! })} aria-label=${`Edit ${k}`}>Edit</button>`}
            <${Confirm} kind="small" label="Remove" question=${`Remove ${k}?`} confirm="Remove" busy=${remove.busy} onConfirm=${() => void remove.run(k)} />
          </td></tr>`;
      })}
      <tr class="addrow">
        <td><label class="sr-only" for="newkey">New name</label><input id="newkey" class="mono" placeholder="NEW_NAME" value=${newKey} autocomplete="off" spellcheck="false" onInput=${(e: Event) => setNewKey((e.target as HTMLInputElement).value.trim())} /></td>
        <td><label class="sr-only" for="newvalue">New value</label><input id="newvalue" class="mono" placeholder="value" value=${newValue} autocomplete="off" spellcheck="false" onInput=${(e: Event) => setNewValue((e.target as HTMLInputElement).value)} /></td>
        <td></td></tr>
      </tbody></table>
      <div class="formfoot">
        <span class="muted small">${changes.length ? `${changes.length} change${changes.length > 1 ? 's' : ''}: saving makes one new release and restarts the app with zero downtime.` : 'Edit a value or add a new var, then save.'}</span>
        ${Object.keys(edits).length ? html`<${Button} onClick=${() => setEdits({})}>Discard<//>` : null}
        <${Button} type="submit" kind="primary" disabled=${!changes.length} busy=${save.busy}>Save changes<//>
      </div>
    </form>`}
  <//>`;
}
