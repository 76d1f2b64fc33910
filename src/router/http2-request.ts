// What an HTTP/2 request needs before the router's one request path
// (index.ts) can treat it like an HTTP/1.1 one, and what its response must
// leave out. node's compatibility API (Http2ServerRequest/Response) gives
// both the shape of IncomingMessage/ServerResponse, with three differences
// that matter here:
//   the host is `:authority` (Host is optional) ─► copied into headers.host,
//     a Host that names another host is refused (RFC 9113 §8.3.1)
//   a body has no Content-Length or Transfer-Encoding to announce it ─► the
//     stream's END_STREAM flag says whether one follows
//   connection-specific response headers make node throw ─► dropped, and a
//     repeated single-value header (two Content-Types) is kept once
// Apps are always spoken to in HTTP/1.1, so cookies split over several
// `cookie` fields are joined again (RFC 9113 §8.2.3).
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { constants, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { badRequestPage, type Page } from './pages.js';

export type RouterRequest = IncomingMessage | Http2ServerRequest;
export type RouterResponse = ServerResponse | Http2ServerResponse;

export const isHttp2 = (req: RouterRequest): req is Http2ServerRequest => req.httpVersionMajor === 2;
export const isHttp2Response = (res: RouterResponse): res is Http2ServerResponse => 'stream' in res;

/** Http2ServerResponse has no `destroyed`: its stream does. */
export const responseGone = (res: RouterResponse): boolean =>
  isHttp2Response(res) ? res.stream.destroyed || res.stream.closed : res.destroyed;

/** Whether a body follows the head. */
export function requestHasBody(req: RouterRequest): boolean {
  if (isHttp2(req)) return !req.stream.endAfterHeaders;
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

/**
 * Sets headers.host from `:authority`, so that routing, the decision and the
 * edge headers read one field for both protocols. A request without either,
 * or whose Host disagrees with its `:authority`, is refused as HTTP/1.1's
 * missing or doubled Host is: deny by default.
 */
export function adoptAuthority(req: Http2ServerRequest): Page | undefined {
  const authority = req.headers[constants.HTTP2_HEADER_AUTHORITY];
  const host = req.headers.host;
  if (typeof authority === 'string' && authority !== '') {
    if (host !== undefined && host.toLowerCase() !== authority.toLowerCase()) {
      return badRequestPage('The request\'s Host header names another host than its :authority.', 'Send the app\'s host name in :authority only, or the same name in both (RFC 9113 section 8.3.1).');
    }
    req.headers.host = authority;
    return undefined;
  }
  if (host === undefined || host === '') {
    return badRequestPage('The request has no :authority, which the router routes on.', 'Send the app\'s host name as :authority, for example my-app.example.com (RFC 9113 section 8.3.1).');
  }
  return undefined;
}

// node refuses these in an HTTP/2 head (ERR_HTTP2_INVALID_CONNECTION_HEADERS);
// edge-headers.ts already drops the HTTP/1.1 hop-by-hop ones, this is the rest.
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings', 'te', 'host']);
// node throws ERR_HTTP2_HEADER_SINGLE_VALUE when one of these comes twice.
const SINGLE_VALUE = new Set([
  'access-control-allow-credentials', 'access-control-max-age', 'access-control-request-method', 'age', 'authorization',
  'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type',
  'date', 'dnt', 'etag', 'expires', 'from', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'range', 'referer', 'retry-after', 'tk',
  'upgrade-insecure-requests', 'user-agent', 'x-content-type-options',
]);

/** An app's (already hop-by-hop-free) raw response head as an HTTP/2 header object node accepts. */
export function http2ResponseHeaders(raw: readonly string[]): OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (CONNECTION_SPECIFIC.has(name)) continue;
    const value = raw[i + 1]!;
    const had = out[name];
    if (had === undefined) out[name] = value;
    else if (SINGLE_VALUE.has(name)) continue; // the first wins, as browsers read a doubled Content-Type
    else if (Array.isArray(had)) had.push(value);
    else out[name] = [had, value];
  }
  return out;
}

/** writeHead with a raw [name, value, ...] list, for either protocol. */
export function writeRawHead(res: RouterResponse, status: number, raw: string[]): void {
  if (isHttp2Response(res)) res.writeHead(status, http2ResponseHeaders(raw));
  else res.writeHead(status, raw);
}

/**
 * HTTP/1.1's requestTimeout for one HTTP/2 stream: its body must be in
 * within `ms`, else a 408 page (when nothing was answered yet) and the
 * stream ends with NO_ERROR, which tells the client to stop sending (RFC 9113
 * §8.1). node's own timer sees only HTTP/1.1 connections.
 */
export function limitRequestTime(req: Http2ServerRequest, res: Http2ServerResponse, ms: number, page: Page, requestId: string,
  send: (res: Http2ServerResponse, page: Page, requestId: string) => void): void {
  if (req.stream.endAfterHeaders) return;
  const timer = setTimeout(() => {
    if (req.stream.destroyed || req.complete) return;
    if (!res.headersSent) send(res, page, requestId);
    req.stream.close(constants.NGHTTP2_NO_ERROR);
  }, ms);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  res.once('close', () => clearTimeout(timer));
}
