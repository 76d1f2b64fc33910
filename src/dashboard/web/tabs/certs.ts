// Certificates: what serves HTTPS for each of the app's names, the ACME
// (certs:auto) state, the HTTP -> HTTPS redirect, and uploading a PEM pair.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { stamp } from '../format.js';
import type { TabProps } from '../pages/app.js';
import { Button, Confirm, ErrorBox, Loading, Panel, useAction } from '../ui.js';

interface Report {
  certs: { id: string; source: string; hostnames: string[]; serves: string[]; notAfter: string; expired: boolean }[];
  auto: boolean; acme?: { state: string; error?: string; at: number }; redirectHttps: boolean;
}

export function Certs({ app }: TabProps) {
  const [report, setReport] = useState<Report | null>(null);
  const [cert, setCert] = useState('');
  const [key, setKey] = useState('');
  const base = `/apps/${enc(app)}/certs`;
  const load = useAction(async () => setReport(await api<Report>('GET', base)));
  useEffect(() => { void load.run(); }, [app]);
  const act = useAction(async (method: string, path: string, body?: unknown) => { setReport(await api<Report>(method, `${base}${path}`, body)); });
  const upload = useAction(async () => { setReport(await api<Report>('PUT', base, { cert, key })); setCert(''); setKey(''); });
  if (!report) return html`<${Panel} title="Certificates"><${ErrorBox} error=${load.error} /><${Loading} what="certificates" /><//>`;
  return html`<${Panel} title="Certificates">
    <${ErrorBox} error=${act.error ?? upload.error ?? load.error} />
    <dl class="facts">
      <dt>Automatic (ACME)</dt><dd>${report.auto ? 'On' : 'Off'}${report.acme ? html` · <span class=${report.acme.state === 'failed' ? 'bad' : ''}>${report.acme.state}</span>${report.acme.error ? `: ${report.acme.error}` : ''}` : null}</dd>
      <dt>HTTP to HTTPS</dt><dd>${report.redirectHttps ? 'Redirected (308)' : 'Not redirected'}</dd>
    </dl>
    <div class="actions">
      ${report.auto ? html`<${Button} busy=${act.busy} onClick=${() => void act.run('DELETE', '/auto')}>Turn off certs:auto<//>`
        : html`<${Button} kind="primary" busy=${act.busy} onClick=${() => void act.run('POST', '/auto')}>Turn on certs:auto (Let's Encrypt)<//>`}
      <${Button} busy=${act.busy} onClick=${() => void act.run('PUT', '/redirect', { enabled: !report.redirectHttps })}>${report.redirectHttps ? 'Stop redirecting to HTTPS' : 'Redirect HTTP to HTTPS'}<//>
    </div>
    ${report.certs.length ? html`<table class="plain"><thead><tr><th scope="col">Names</th><th scope="col">Source</th><th scope="col">Serves</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody>
      ${report.certs.map((c) => html`<tr><td>${c.hostnames.join(', ')}</td><td>${c.source}</td><td>${c.serves.join(', ') || '—'}</td>
        <td class=${c.expired ? 'bad' : ''}>${stamp(c.notAfter)}${c.expired ? ' (expired)' : ''}</td>
        <td><${Confirm} label="Remove" question="Remove this certificate?" confirm="Remove" onConfirm=${() => void act.run('DELETE', `/${enc(c.id)}`)} /></td></tr>`)}
    </tbody></table>` : html`<p class="muted">No certificate of the app's own yet: HTTPS uses the router's self-signed certificate until one is added or certs:auto gets one.</p>`}
    <details class="upload"><summary>Upload a certificate (PEM)</summary>
      <form onSubmit=${(e: Event) => { e.preventDefault(); void upload.run(); }}>
        <label for="pem-cert">Certificate chain</label><textarea id="pem-cert" rows="4" class="mono" value=${cert} onInput=${(e: Event) => setCert((e.target as HTMLTextAreaElement).value)}></textarea>
        <label for="pem-key">Private key</label><textarea id="pem-key" rows="4" class="mono" value=${key} onInput=${(e: Event) => setKey((e.target as HTMLTextAreaElement).value)}></textarea>
        <${Button} type="submit" kind="primary" disabled=${!cert || !key} busy=${upload.busy}>Upload<//>
      </form></details>
  <//>`;
}
