// The router's own answers: what a visitor sees when no app can. One small
// template so every status looks alike and says what to do next.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { isHttp2Response, type RouterResponse } from './http2-request.js';
import { closeAfterAnswer } from './upgrade-reply.js';

export interface Page {
  readonly status: number;
  readonly title: string;
  readonly message: string;
  readonly hint: string;
}

export const notFoundPage = (host: string): Page => ({
  status: 404,
  title: 'No such app',
  message: `No app is deployed at ${host || '(no Host header)'}.`,
  hint: 'To deploy one, git push to this Berth server. To see the deployed apps, run berth apps.',
});

export const noWebPage = (app: string): Page => ({
  status: 503,
  title: 'App unavailable',
  message: `${app} has no running web processes.`,
  hint: 'It may be starting, crashed, or scaled to zero web processes. Check berth ps and berth logs.',
});

/** A request the router refuses as sent (RFC 9112 says 400), before any app sees it. */
export const badRequestPage = (message: string, hint: string): Page => ({ status: 400, title: 'Bad request', message, hint });

/** `why` is the failure's code: a parse error (HPE_*) means the app answered, but not in HTTP. */
export const badGatewayPage = (app: string, why = ''): Page => why === 'bad_upgrade'
  ? {
    status: 502,
    title: 'Bad gateway',
    message: `${app} answered 101 Switching Protocols without an Upgrade header.`,
    hint: 'Answer a websocket handshake with Upgrade and Connection headers, or with an ordinary status such as 426. Check berth logs.',
  }
  : why.startsWith('HPE_')
  ? {
    status: 502,
    title: 'Bad gateway',
    message: `${app} sent a response that is not valid HTTP (${why}).`,
    hint: 'Check the response headers the app writes (names, control characters, Content-Length). Check berth logs.',
  }
  : {
    status: 502,
    title: 'Bad gateway',
    message: `${app} refused or dropped the connection.`,
    hint: 'The web process may have crashed or may not listen on $PORT. Check berth logs.',
  };

export const gatewayTimeoutPage = (app: string, timeoutMs: number): Page => ({
  status: 504,
  title: 'Gateway timeout',
  message: `${app} did not answer within ${Math.round(timeoutMs / 100) / 10} s.`,
  hint: 'Move slow work out of the request, or raise BERTH_ROUTER_TIMEOUT_SEC.',
});

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => escapes[c]!);

export function renderPage(page: Page, requestId?: string): string {
  const id = requestId ? `<p class="id">Request ID: ${escapeHtml(requestId)}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${page.status} ${escapeHtml(page.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}
h1{font-size:1.4em}.hint{color:#555}.id{color:#888;font-size:.8em}</style></head>
<body><h1>${page.status} ${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.message)}</p>
<p class="hint">${escapeHtml(page.hint)}</p>${id}
<p class="id">Berth router</p></body></html>
`;
}

const pageHeaders = (body: string, requestId?: string) => ({
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Length': String(Buffer.byteLength(body)),
  // A page about a missing or broken app must not outlive the problem.
  'Cache-Control': 'no-store',
  ...(requestId ? { 'X-Request-Id': requestId } : {}),
});

/**
 * `close`: the request was malformed, so the connection is not trusted with
 * another. HTTP/2 has no Connection header (node throws on one): there the
 * page ends only its stream, and the session's other streams are unharmed.
 */
export function sendPage(res: RouterResponse, page: Page, requestId?: string, close = false): void {
  const body = renderPage(page, requestId);
  if (isHttp2Response(res)) res.writeHead(page.status, pageHeaders(body, requestId));
  else res.writeHead(page.status, close ? { ...pageHeaders(body, requestId), Connection: 'close' } : pageHeaders(body, requestId));
  res.end(body);
}

/** The per-app HTTP -> HTTPS redirect; 308 keeps the method and body. */
export function sendRedirect(res: RouterResponse, location: string, requestId: string): void {
  const headers = { Location: location, 'Content-Length': '0', 'X-Request-Id': requestId };
  if (isHttp2Response(res)) res.writeHead(308, headers);
  else res.writeHead(308, headers);
  res.end();
}

/** For upgrade requests, which own a raw socket instead of a response. */
export function writePageToSocket(socket: Duplex, page: Page, requestId?: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = renderPage(page, requestId);
  const headers = { ...pageHeaders(body, requestId), Connection: 'close' };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.write(`HTTP/1.1 ${page.status} ${STATUS_CODES[page.status]}\r\n${head}\r\n${body}`);
  closeAfterAnswer(socket);
}
