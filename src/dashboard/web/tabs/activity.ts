// Activity: the audit log for this app (GET /events?app=), newest first:
// who did what, from where, through which surface, and how it ended.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { ago } from '../format.js';
import type { TabProps } from '../pages/app.js';
import { ErrorBox, Loading, Panel } from '../ui.js';

interface AuditEvent { id: string; at: number; user: string; via: string; source: string; action: string; detail?: string; result: string; error?: string }

export function Activity({ app, info }: TabProps) {
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  // A new release or build changes info: read the log again then.
  useEffect(() => {
    api<{ events: AuditEvent[] }>('GET', `/events?app=${enc(app)}&n=200`)
      .then((r) => setEvents([...r.events].reverse()), setError);
  }, [app, info.currentRelease]);
  return html`<${Panel} title="Activity">
    <p class="muted">Every change to this app, as the audit log keeps it (berth events --app ${app}).</p>
    <${ErrorBox} error=${error} />
    ${events === null ? (error ? null : html`<${Loading} what="activity" />`) : events.length === 0 ? html`<p>Nothing recorded yet.</p>` : html`
    <table class="plain activity"><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Result</th><th scope="col">Via</th></tr></thead><tbody>
      ${events.map((e) => html`<tr data-action=${e.action}>
        <td title=${new Date(e.at).toISOString()}>${ago(e.at)}</td>
        <td>${e.user}</td>
        <td><code>${e.action}</code>${e.detail ? html` <span class="muted">${e.detail}</span>` : null}</td>
        <td><span class=${`badge result-${e.result}`} title=${e.error ?? ''}>${e.result}</span></td>
        <td class="muted">${e.via} from ${e.source}</td>
      </tr>`)}
    </tbody></table>`}
  <//>`;
}
