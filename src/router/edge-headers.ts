// Headers fixed at the edge, before a request reaches an app. http-proxy's
// xfwd appends to a client's own X-Forwarded-* headers, so a client could
// claim any address; the router strips them and lets xfwd write the truth.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SPOOFABLE = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'forwarded', 'x-real-ip'];

// Heroku's rule for a client-chosen request id, plus `.` and `:`; anything
// else (spaces, commas from repeated headers, huge values) is replaced.
const SANE_REQUEST_ID = /^[A-Za-z0-9+/=_.:-]{8,200}$/;

/** Keeps a sane client X-Request-Id so traces can span systems. */
export function ensureRequestId(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  const id = typeof sent === 'string' && SANE_REQUEST_ID.test(sent) ? sent : randomUUID();
  req.headers['x-request-id'] = id;
  return id;
}

export function prepareForUpstream(req: IncomingMessage): void {
  for (const name of SPOOFABLE) delete req.headers[name];
  // The web pass of http-proxy sets this but the websocket pass does not.
  if (req.headers.host) req.headers['x-forwarded-host'] = req.headers.host;
  // Node already answered `100 Continue` to the client; forwarding Expect
  // would also make http-proxy skip its proxyReq event, which the upstream
  // timeout relies on.
  delete req.headers.expect;
}
