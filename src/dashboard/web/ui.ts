// Shared pieces: the error box (the server's message and hint), buttons that
// show their work, a two-step confirmation, state badges and copyable lines.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { ApiError } from './api.js';

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : new ApiError(String((error as Error)?.message ?? error), 0);
  return html`<div class="alert" role="alert"><strong>${e.message}</strong>${e.hint ? html`<div class="hint">${e.hint}</div>` : null}</div>`;
}

/** Runs an async action with a busy state; the error stays shown until the next try. */
export function useAction<A extends unknown[]>(fn: (...a: A) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (...a: A) => {
    setBusy(true);
    setError(null);
    try { await fn(...a); return true; } catch (err) { setError(err); return false; } finally { setBusy(false); }
  };
  return { busy, error, run, setError };
}

export function Button(p: { onClick?: () => void; busy?: boolean; kind?: string; type?: string; disabled?: boolean; label?: string; children: ComponentChildren }) {
  return html`<button type=${p.type ?? 'button'} class=${`btn ${p.kind ?? ''}`} onClick=${p.onClick}
    disabled=${p.disabled || p.busy} aria-busy=${p.busy ? 'true' : undefined} aria-label=${p.label}>
    ${p.busy ? html`<span class="spin" aria-hidden="true"></span>` : null}${p.children}</button>`;
}

/** A button that asks once more before it acts. */
export function Confirm(p: { label: string; question: string; confirm: string; kind?: string; busy?: boolean; onConfirm: () => void }) {
  const [asking, setAsking] = useState(false);
  if (!asking) return html`<${Button} kind=${p.kind} busy=${p.busy} onClick=${() => setAsking(true)}>${p.label}<//>`;
  return html`<span class="confirm" role="group" aria-label=${p.question}>
    <span>${p.question}</span>
    <${Button} kind="danger" onClick=${() => { setAsking(false); p.onConfirm(); }}>${p.confirm}<//>
    <${Button} onClick=${() => setAsking(false)}>Cancel<//>
  </span>`;
}

const STATE_LABEL: Record<string, string> = { running: 'Running', deploying: 'Deploying', crashed: 'Crashed', stopped: 'Stopped', new: 'Not deployed' };

export function StateBadge({ state }: { state: string }) {
  return html`<span class=${`badge state-${state}`}><span class="dot" aria-hidden="true"></span>${STATE_LABEL[state] ?? state}</span>`;
}

export function CopyLine({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try { await navigator.clipboard.writeText(text); setDone(true); setTimeout(() => setDone(false), 1500); } catch { /* no clipboard on plain http: the text stays selectable */ }
  };
  return html`<div class="copyline"><code>${text}</code>
    <button type="button" class="btn small" onClick=${copy} aria-label=${`Copy ${label}`}>${done ? 'Copied' : 'Copy'}</button></div>`;
}

export const Loading = ({ what }: { what: string }) => html`<p class="muted" role="status"><span class="spin" aria-hidden="true"></span> Loading ${what}…</p>`;

export function Panel({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return html`<section class="panel" aria-label=${title}><header class="panel-head"><h2>${title}</h2>${actions ? html`<div class="actions">${actions}</div>` : null}</header>${children}</section>`;
}
