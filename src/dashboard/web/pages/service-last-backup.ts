// The Services page's "Last backup" cell: when and how big, or a red badge
// with the reason when the last backup failed, so a broken backup is seen
// on the page people already look at (issue 21: never silent).
import { html } from 'htm/preact';
import { ago } from '../format.js';

export interface LastBackup { id: string; status: string; at: string; size: number | null; error?: string }

const kb = (n: number | null) => (n === null ? '' : n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);

export function LastBackupCell({ backup }: { backup: LastBackup | null | undefined }) {
  if (!backup) return html`<span class="muted">none</span>`;
  const when = ago(Date.parse(backup.at));
  if (backup.status === 'failed') {
    return html`<span class="badge state-crashed" title=${backup.error ?? ''}><span class="dot" aria-hidden="true"></span>Backup failed</span>
      <span class="muted"> ${when}</span><div class="small muted">${backup.error ?? ''}</div>`;
  }
  if (backup.status === 'running') return html`<span class="badge state-deploying"><span class="dot" aria-hidden="true"></span>Backing up</span>`;
  return html`<span>${when}</span> <span class="muted">${kb(backup.size)}</span>`;
}
