// The CLI's only way to the server: JSON over HTTP to $BERTH_URL/api/v1
// with the bearer token. Every failure, from the server or the network,
// becomes one BerthError carrying the server's code, status, message and hint.
import { BerthError } from '../shared/errors.js';
import { readSse, type SseEvent } from './sse.js';

export interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly signal?: AbortSignal;
}

export interface ApiErrorBody { error?: { code?: string; message?: string; hint?: string } }

export class ApiClient {
  readonly baseUrl: string;
  private readonly token: string;

  constructor(baseUrl: string, token: string, private readonly userAgent = 'berth-cli') {
    this.baseUrl = normalizeUrl(baseUrl);
    this.token = token;
  }

  /** A JSON request; resolves to the parsed body of a 2xx answer. */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, opts, 'application/json');
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new BerthError('bad_response', `the server answered ${method} ${path} with something other than JSON: ${text.slice(0, 200)}`);
    }
  }

  /**
   * A request answered with Server-Sent Events. An error status comes back
   * as JSON (the server checks its input before it starts the stream).
   */
  async stream(method: string, path: string, opts: RequestOptions = {}): Promise<AsyncGenerator<SseEvent>> {
    const res = await this.send(method, path, opts, 'text/event-stream');
    if (!res.body) throw new BerthError('bad_response', `the server sent no stream for ${method} ${path}`);
    if (!res.headers.get('content-type')?.includes('text/event-stream')) {
      throw new BerthError('bad_response', `expected an event stream from ${method} ${path}, got ${res.headers.get('content-type') ?? 'nothing'}`);
    }
    return readSse(res.body, opts.signal);
  }

  /**
   * A request whose body or answer is bytes, not JSON (services:export and
   * services:import): the Response of a 2xx answer, its body unread.
   */
  async raw(method: string, path: string, opts: { body?: AsyncIterable<Uint8Array>; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/octet-stream, application/json', 'user-agent': this.userAgent };
    if (opts.body) headers['content-type'] = 'application/octet-stream';
    let res: Response;
    try {
      res = await fetch(this.url(path), { method, headers, signal: opts.signal, body: opts.body as BodyInit | undefined, ...(opts.body ? { duplex: 'half' } : {}) } as RequestInit);
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new BerthError('unreachable', `the ${method} ${path} stream to ${this.baseUrl} broke: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        { hint: 'check that `berth server` is running there; see its log for the reason' });
    }
    if (!res.ok) throw await errorFrom(res, method, path);
    return res;
  }

  url(path: string, query?: RequestOptions['query']): string {
    const u = new URL(`${this.baseUrl}/api/v1${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  private async send(method: string, path: string, opts: RequestOptions, accept: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept, 'user-agent': this.userAgent };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.url(path, opts.query), {
        method, headers, signal: opts.signal,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new BerthError('unreachable', `could not reach Berth at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        { hint: 'check BERTH_URL (or run berth login), and that `berth server` is running there' });
    }
    if (!res.ok) throw await errorFrom(res, method, path);
    return res;
  }
}

/** The server's `{ error: { code, message, hint } }`, or a plain sentence. */
/**
 * A failure the server answered with. Its code is the server's, which may be
 * newer than this CLI's table (shared/error-codes.ts), so it is kept as
 * text, with the server's status, rather than made a BerthError.
 */
export class ServerAnswer extends Error {
  constructor(readonly code: string, readonly status: number, message: string, readonly hint?: string) {
    super(message);
    this.name = 'ServerAnswer';
  }
}

async function errorFrom(res: Response, method: string, path: string): Promise<ServerAnswer> {
  const text = await res.text().catch(() => '');
  let body: ApiErrorBody | undefined;
  try { body = JSON.parse(text) as ApiErrorBody; } catch { /* not JSON: a proxy's page, say */ }
  const e = body?.error;
  if (e?.message) return new ServerAnswer(e.code ?? 'error', res.status, e.message, e.hint);
  const snippet = text.trim().split('\n')[0]?.slice(0, 200);
  return new ServerAnswer('http_error', res.status, `${method} ${path} failed: ${res.status} ${res.statusText}${snippet ? ` (${snippet})` : ''}`);
}

/** `127.0.0.1:3000` and `http://host:3000/` both become `http://host:3000`. */
export function normalizeUrl(raw: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new BerthError('invalid_url', `"${raw}" is not a URL`, { hint: 'for example: http://127.0.0.1:3000' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new BerthError('invalid_url', `"${raw}" is not an http(s) URL`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/** Path segment for an app, key or hostname typed by the user. */
export const seg = (s: string) => encodeURIComponent(s);
