// Cron: the live release's app.json `cron` jobs (GET /apps/:app/cron), each
// with its next tick and its last runs; a failed, timed-out or skipped run
// is marked, failures in red. Times are UTC, as the schedules are.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { ago, stamp } from '../format.js';
import type { TabProps } from '../pages/app.js';
import { ErrorBox, Loading, Panel } from '../ui.js';

interface Run { dueAt: number; startedAt: number; durationMs: number; outcome: 'succeeded' | 'failed' | 'timeout' | 'skipped'; code?: number; reason?: string; trigger: string; release?: number }
interface Job { id: string; schedule: string; command: string; nextRunAt?: string; running?: { startedAt: number }; lastRun?: Run; runs: Run[] }

const BAD = new Set(['failed', 'timeout']);
const secs = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

function Outcome({ run }: { run: Run }) {
  const label = run.outcome === 'failed' && run.code !== undefined ? `exit ${run.code}` : run.outcome === 'succeeded' ? 'exit 0' : run.outcome;
  return html`<span class=${`badge ${BAD.has(run.outcome) ? 'build-failed' : ''}`} data-outcome=${run.outcome} title=${run.reason ?? ''}>${label}</span>`;
}

function Runs({ runs }: { runs: Run[] }) {
  if (!runs.length) return html`<span class="muted small">Not run yet</span>`;
  return html`<ul class="cron-runs" aria-label="Last runs">${runs.slice(0, 10).map((r) => html`<li class=${BAD.has(r.outcome) ? 'bad' : ''}>
    <span title=${stamp(r.startedAt)}>${ago(r.startedAt)}</span> <${Outcome} run=${r} />
    ${r.outcome === 'skipped' ? html`<span class="muted small">${r.reason}</span>` : html`<span class="muted small">${secs(r.durationMs)}${r.trigger === 'manual' ? ' · cron:run' : ''}${r.release ? ` · v${r.release}` : ''}</span>`}
  </li>`)}</ul>`;
}

export function Cron({ app, info }: TabProps) {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    api<{ jobs: Job[] }>('GET', `/apps/${enc(app)}/cron?runs=10`).then((r) => setJobs(r.jobs), setError);
  }, [app, info.currentRelease]);
  return html`<${Panel} title="Scheduled jobs">
    <p class="muted">From app.json <code>cron</code> of the live release; times in UTC. Output is in the app's log as <code>${'cron.<id>'}</code>; run one now with <code>berth cron:run ${app} ${'<id>'}</code>.</p>
    <${ErrorBox} error=${error} />
    ${jobs === null ? (error ? null : html`<${Loading} what="scheduled jobs" />`) : jobs.length === 0 ? html`<p>No scheduled jobs. Add them to app.json: <code>"cron": [{ "command": "...", "schedule": "@daily" }]</code></p>` : html`
    <table class="plain cron"><thead><tr><th scope="col">Job</th><th scope="col">Schedule</th><th scope="col">Next run</th><th scope="col">Last runs</th></tr></thead><tbody>
      ${jobs.map((j) => html`<tr data-job=${j.id} class=${j.lastRun && BAD.has(j.lastRun.outcome) ? 'bad' : ''}>
        <td><code>${j.id}</code><div class="small">${j.command}</div></td>
        <td><code>${j.schedule}</code></td>
        <td>${j.running ? html`<span class="badge state-running">running</span>` : null} <span title=${j.nextRunAt ?? ''}>${stamp(j.nextRunAt)}</span></td>
        <td><${Runs} runs=${j.runs} /></td>
      </tr>`)}
    </tbody></table>`}
  <//>`;
}
