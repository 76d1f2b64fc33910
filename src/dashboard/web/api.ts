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

async function request(method: string, path: string, body: unknown, accept: string, signal: AbortSignal): Promise<Response> {
  if (method !== 'GET' && !csrf && path !== '/session') await checked;
  const headers: Record<string, string> = { accept };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  try {
    return await fetch(`/api/v1${path}`, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (err) {
    if (signal.aborted && (err as Error).name === 'AbortError') throw err;
    throw new ApiError(`could not reach the Berth server (${(err as Error).message})`, 0, 'network', 'check that the server is running, then try again');
  }
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(method, path, body, 'application/json', AbortSignal.timeout(DEADLINE_MS));
  if (!res.ok) await failure(res, path);
  const text = await res.text();
  try { return (text ? JSON.parse(text) : undefined) as T; } catch { return undefined as T; }
}

/**
 * A POST answered by a stream of events (`run`): EventSource cannot POST or
 * send the anti-CSRF header, so this reads the text/event-stream itself.
 * Refusals before the stream starts are thrown as ApiError, like api().
 */
export async function postStream(path: string, body: unknown, onEvent: (event: string, data: any) => void, signal: AbortSignal): Promise<void> {
  const res = await request('POST', path, body, 'text/event-stream', signal);
  if (!res.ok) await failure(res, path);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data) onEvent(event, JSON.parse(data));
    }
  }
}

async function failure(res: Response, path: string): Promise<never> {
  const text = await res.text();
  let data: any;
  try { data = text ? JSON.parse(text) : undefined; } catch { data = undefined; }
  const e = data?.error ?? {};
  // The browser drops the cookie when it expires, so the server may only see "no session".
  if (res.status === 401 && path !== '/session') { signInNotice.value = 'your session has expired: sign in again'; signedIn.value = false; }
  throw new ApiError(e.message ?? `the server answered ${res.status}`, res.status, e.code, e.hint);
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
