// Resource limits per process type (resource:limit / resource:report):
// memory and CPUs, applied at the next deploy or restart. Sizes are typed as
// the CLI takes them (512m, 1g); the server parses and refuses bad ones.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { Button, ErrorBox, Loading, Panel, useAction } from '../ui.js';

interface Limits { memoryBytes?: number; cpus?: number }

const size = (b?: number) => (b === undefined ? '' : b % 1024 ** 3 === 0 ? `${b / 1024 ** 3}g` : b % 1024 ** 2 === 0 ? `${b / 1024 ** 2}m` : `${Math.round(b / 1024)}k`);

export function Resources({ app, types }: { app: string; types: string[] }) {
  const [limits, setLimits] = useState<Record<string, Limits> | null>(null);
  const [edit, setEdit] = useState<Record<string, { memory: string; cpus: string }>>({});
  const [done, setDone] = useState('');
  const show = (r: Record<string, Limits>) => {
    setLimits(r);
    setEdit(Object.fromEntries(types.map((t) => [t, { memory: size(r[t]?.memoryBytes), cpus: r[t]?.cpus === undefined ? '' : String(r[t]!.cpus) }])));
  };
  const load = useAction(async () => show((await api<{ resources: Record<string, Limits> }>('GET', `/apps/${enc(app)}/resources`)).resources));
  useEffect(() => { void load.run(); }, [app, types.join()]);
  const changed = (t: string) => !!limits && !!edit[t] && (edit[t]!.memory !== size(limits[t]?.memoryBytes) || edit[t]!.cpus !== (limits[t]?.cpus === undefined ? '' : String(limits[t]!.cpus)));
  const save = useAction(async () => {
    let last: Record<string, Limits> | undefined;
    const saved: string[] = [];
    for (const t of types.filter(changed)) {
      const { memory, cpus } = edit[t]!;
      last = (await api<{ resources: Record<string, Limits> }>('PUT', `/apps/${enc(app)}/resources`, {
        processType: t, ...(memory.trim() ? { memory: memory.trim() } : {}), ...(cpus.trim() ? { cpus: cpus.trim() } : {}),
      })).resources;
      saved.push(t);
    }
    if (last) show(last);
    setDone(`Limits of ${saved.join(', ')} saved: they apply at the next deploy or restart.`);
  });
  const set = (t: string, k: 'memory' | 'cpus', v: string) => setEdit({ ...edit, [t]: { ...edit[t]!, [k]: v } });
  return html`<${Panel} title="Resource limits">
    <p class="muted small">Memory and CPUs per process container (<code>resource:limit</code>). Empty means the server's default. New limits apply at the next deploy or restart.</p>
    <${ErrorBox} error=${save.error ?? load.error} />
    ${done && !save.error ? html`<p class="ok" role="status">${done}</p>` : null}
    ${limits === null ? html`<${Loading} what="limits" />` : html`
    <form class="limits" onSubmit=${(e: Event) => { e.preventDefault(); if (types.some(changed)) void save.run(); }}>
      <table class="plain"><thead><tr><th scope="col">Process type</th><th scope="col">Memory</th><th scope="col">CPUs</th></tr></thead>
      <tbody>${types.map((t) => html`<tr>
        <th scope="row"><code>${t}</code></th>
        <td><label class="sr-only" for=${`mem-${t}`}>Memory of ${t}</label><input id=${`mem-${t}`} class="mono short" placeholder="default" value=${edit[t]?.memory ?? ''} autocomplete="off" spellcheck="false" onInput=${(e: Event) => set(t, 'memory', (e.target as HTMLInputElement).value)} /></td>
        <td><label class="sr-only" for=${`cpu-${t}`}>CPUs of ${t}</label><input id=${`cpu-${t}`} class="mono short" placeholder="default" value=${edit[t]?.cpus ?? ''} inputmode="decimal" autocomplete="off" onInput=${(e: Event) => set(t, 'cpus', (e.target as HTMLInputElement).value)} /></td>
      </tr>`)}</tbody></table>
      <div class="formfoot"><span class="muted small">e.g. memory <code>512m</code> or <code>1g</code>, CPUs <code>0.5</code> or <code>2</code>.</span>
        <${Button} type="submit" kind="primary" disabled=${!types.some(changed)} busy=${save.busy}>Save limits<//></div>
    </form>`}
  <//>`;
}
