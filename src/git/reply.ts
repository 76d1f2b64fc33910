// How the git endpoints answer an error: a text/plain body (git prints it
// to the user as `remote:` lines on info/refs) and a closed connection, so a
// half-read request body never gets parsed as the next request. The API's
// security headers go with it, and what the client sent is echoed only
// with its control characters escaped.
import type { ServerResponse } from 'node:http';
import { asBerthError } from '../shared/errors.js';
import { printable, SECURITY_HEADERS } from '../shared/security-headers.js';
import { outageAsBerthError } from '../store/redis-health.js';

export function replyError(res: ServerResponse, err: unknown): void {
  const e = outageAsBerthError(err) ?? asBerthError(err);
  if (!e.expose) console.error('git receiver:', err);
  if (res.headersSent || res.destroyed) { res.destroy(); return; }
  const lines = [`berth: ${printable(e.expose ? e.message : 'internal error')}`];
  if (e.hint) lines.push(`berth: ${printable(e.hint)}`);
  res.writeHead(e.status, {
    ...SECURITY_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    connection: 'close',
    ...(e.code === 'redis_unavailable' ? { 'retry-after': '2' } : {}),
    ...(e.status === 401 ? { 'www-authenticate': 'Basic realm="Berth"' } : {}),
    ...(e.status === 405 ? { allow: e.code === 'method_get' ? 'GET' : 'POST' } : {}),
  });
  res.end(`${lines.join('\n')}\n`);
}

export const NO_CACHE = {
  expires: 'Fri, 01 Jan 1980 00:00:00 GMT',
  pragma: 'no-cache',
  'cache-control': 'no-cache, max-age=0, must-revalidate',
} as const;
