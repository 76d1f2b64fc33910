// auth:session — dashboard sign-in, session check and sign-out. The token is
// checked by authCheckToken, the one place every adapter asks; a session
// stands for that check until it expires or the user signs out.
import { BerthError } from '../../shared/errors.js';
import { addSignInFailure, clearSignInFailures, createSession, deleteSession, getSession, getSignInFailures, type Session } from '../../store/sessions.js';
import type { Principal } from '../../shared/access.js';
import { auditRecord } from '../audit/record.js';
import { authCheckToken, authCheckTokenHash, hashToken, type AuthDeps } from './check-token.js';

/** Name of the dashboard's session cookie. */
export const SESSION_COOKIE = 'berth_session';
const FAILURE_WINDOW_MS = 15 * 60_000;
const MAX_WAIT_MS = 5 * 60_000;


/** Past the free failures, each try waits twice as long as the one before. */
export function signInWaitMs(count: number, free: number): number {
  return count < free ? 0 : Math.min(1000 * 2 ** (count - free), MAX_WAIT_MS);
}

export async function authSignIn(input: { token: unknown; source: string }, deps: AuthDeps): Promise<{ id: string; session: Session }> {
  const { count, lastAt } = await getSignInFailures(deps.redis, input.source);
  const waitMs = lastAt + signInWaitMs(count, deps.config.dashboard.signInFreeFailures) - Date.now();
  if (waitMs > 0) {
    throw new BerthError('too_many_failures', `too many failed sign-ins from your address: try again in ${Math.ceil(waitMs / 1000)} s`,
      { hint: 'the admin token is in $BERTH_DATA_DIR/admin-token on the server (or BERTH_ADMIN_TOKEN)' });
  }
  const token = typeof input.token === 'string' ? input.token.trim() : '';
  const from = { source: input.source, via: 'dashboard' };
  let principal: Principal;
  try {
    principal = await authCheckToken(token || undefined, deps, from);
  } catch (err) {
    // The per-address lockout (429) speaks for itself; any other failure is a wrong token.
    if (err instanceof BerthError && err.status === 429) throw err;
    await addSignInFailure(deps.redis, input.source, FAILURE_WINDOW_MS);
    throw new BerthError('invalid_token', token ? 'that token is not valid' : 'enter an API token',
      { hint: 'use the admin token from $BERTH_DATA_DIR/admin-token on the server (or BERTH_ADMIN_TOKEN), or one made with berth tokens:create' });
  }
  await clearSignInFailures(deps.redis, input.source);
  await auditRecord({ user: principal.user, via: 'dashboard', source: input.source, action: 'auth:sign-in', result: 'ok' }, deps);
  return createSession(deps.redis, deps.config.dashboard.sessionTtlMs, hashToken(token));
}

/** The live session for this id, or a 401 that tells the page to sign in again. */
export async function authSession(id: string | undefined, deps: AuthDeps): Promise<Session> {
  const session = id ? await getSession(deps.redis, id) : undefined;
  if (!session) {
    throw new BerthError('session_expired', id ? 'your session has expired: sign in again' : 'sign in first', { hint: 'sign in at / with an API token' });
  }
  return session;
}

/** The session and who it acts for: its token is checked again, as on every other surface. */
export async function authSessionPrincipal(id: string | undefined, deps: AuthDeps, source: string): Promise<{ session: Session; principal: Principal }> {
  const session = await authSession(id, deps);
  try {
    return { session, principal: await authCheckTokenHash(session.tokenHash, deps, { source, via: 'dashboard' }) };
  } catch (err) {
    if (id) await deleteSession(deps.redis, id);
    throw new BerthError('session_revoked', 'the token this session signed in with is no longer valid: sign in again',
      { hint: (err as BerthError).message, expose: true });
  }
}

export async function authSignOut(id: string | undefined, deps: AuthDeps): Promise<void> {
  if (id) await deleteSession(deps.redis, id);
}

