// events — the audit log, newest last; a principal that may read only
// some apps sees only their events.
import { readableApps, type Principal } from '../../shared/access.js';
import { parseAppName } from '../../shared/app-name.js';
import { fail } from '../../shared/errors.js';
import { followEvents, readEvents, type AuditEvent } from '../../store/events.js';
import type { AuthDeps } from '../auth/check-token.js';

export interface EventsInput { readonly app?: unknown; readonly n?: unknown }

function filterFor(input: EventsInput, principal: Principal): (e: AuditEvent) => boolean {
  const app = input.app === undefined || input.app === '' ? undefined : parseAppName(input.app);
  const readable = readableApps(principal.scopes);
  return (e) => (app === undefined || e.app === app) && (readable === 'all' || (e.app !== undefined && readable.has(e.app as never)));
}

function count(raw: unknown): number {
  if (raw === undefined || raw === '') return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw fail('invalid_count', 'n must be a whole number from 1 to 10000');
  return n;
}

export async function eventsList(input: EventsInput, principal: Principal, deps: AuthDeps): Promise<AuditEvent[]> {
  return readEvents(deps.redis, count(input.n), filterFor(input, principal));
}

export async function* eventsTail(input: EventsInput, principal: Principal, deps: AuthDeps, signal: AbortSignal): AsyncGenerator<AuditEvent> {
  const keep = filterFor(input, principal);
  for await (const e of followEvents(deps.redis, signal)) if (keep(e)) yield e;
}
