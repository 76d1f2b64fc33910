// The page's one way to the server: /api/v1 with the session cookie, the
// anti-CSRF token as a header on every change, a deadline on every request,
// and the server's { error: { message, hint } } turned into an ApiError.
import { signal } from '@preact/signals';

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly code?: string, readonly hint?: string) { super(message); }
}

/**
 * null while the page asks whether it is signed in; true at once when the
 * readable hint cookie says a session exists, so the page paints its frame and
 * opens its feeds without waiting for that answer (a stale hint is corrected by it).
 */
export const signedIn = signal<boolean | null>(/(^|; )berth_hint=1/.test(document.cookie) ? true : null);
/** Settles once the session check answered: a change waits for its anti-CSRF token. */
let checked: Promise<void> = Promise.resolve();
/** Why the user was sent back to sign in (an expired session). */
export const signInNotice = signal('');
let csrf = '';

export function setSession(token: string): void { csrf = token; signedIn.value = true; }

const DEADLINE_MS = 180_000;

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  if (method !== 'GET' && !csrf && path !== '/session') await checked;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(DEADLINE_MS),
    });
  } catch (err) {
    throw new ApiError(`could not reach the Berth server (${(err as Error).message})`, 0, 'network', 'check that the server is running, then try again');
  }
  const text = await res.text();
  let data: any;
  try { data = text ? JSON.parse(text) : undefined; } catch { data = undefined; }
  if (!res.ok) {
    const e = data?.error ?? {};
    const err = new ApiError(e.message ?? `the server answered ${res.status}`, res.status, e.code, e.hint);
    // The browser drops the cookie when it expires, so the server may only see "no session".
    if (res.status === 401 && path !== '/session') { signInNotice.value = 'your session has expired: sign in again'; signedIn.value = false; }
    throw err;
  }
  return data as T;
}

export function checkSession(): Promise<void> {
  checked = askSession();
  return checked;
}

async function askSession(): Promise<void> {
  try {
    const { session } = await api<{ session: { csrf: string } | null }>('GET', '/session');
    if (session) setSession(session.csrf);
    else signedIn.value = false;
  } catch { signedIn.value = false; }
}

export async function signIn(token: string): Promise<void> {
  const { session } = await api<{ session: { csrf: string } }>('POST', '/session', { token });
  signInNotice.value = '';
  setSession(session.csrf);
}

export async function signOut(): Promise<void> {
  await api('DELETE', '/session').catch(() => undefined);
  csrf = '';
  signedIn.value = false;
}

export const enc = encodeURIComponent;
