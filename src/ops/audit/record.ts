// events:record — every state-changing action lands here once, from the
// adapter that saw it (the API's audit middleware, the git receive
// endpoint, the SSH server, sign-ins). A failure to record is logged, never
// thrown: the audit log must not take an action down with it.
import { appendEvent, type NewAuditEvent } from '../../store/events.js';
import type { AuthDeps } from '../auth/check-token.js';

/** Who acts, from where, through which surface. */
export interface Actor { readonly user: string; readonly via: string; readonly source: string }

export async function auditRecord(event: NewAuditEvent, deps: AuthDeps): Promise<void> {
  await appendEvent(deps.redis, event, deps.config.access)
    .catch((err: Error) => console.error(`audit: could not record ${event.action}: ${err.message}`));
}
