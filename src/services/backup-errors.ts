// The errors a kind's backup, check and restore steps raise, with the tool's
// own last words, so a failed backup's entry says what really went wrong.
import { BerthError } from '../shared/errors.js';

/** The last non-empty lines of a tool's stderr, bounded. */
export function lastWords(stderr: string, lines = 3): string {
  const kept = stderr.split('\n').map((l) => l.trim()).filter(Boolean).slice(-lines).join(' / ');
  return kept.length > 500 ? `${kept.slice(0, 497)}...` : kept;
}

export function kindStepFailed(tool: string, code: number, stderr: string): BerthError {
  const said = lastWords(stderr);
  return new BerthError('backup_step_failed', `${tool} exited with code ${code}${said ? `: ${said}` : ''}`, {
    expose: true,
    hint: code === 137 ? 'it was killed (out of memory, or stopped at its deadline)' : 'see `berth services:logs <service>` for the server side',
  });
}
