// A deadline for API request bodies. The API port serves pushes that stay
// open for a whole build, so the server has no request timeout of its own;
// without this a client that declares a body and never sends it would hold
// a socket and a koa handler forever. Git (its own deadlines, src/git/) and
// the local hook's tar upload (/internal/) are left out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isStreamUpload } from './stream-uploads.js';

export function withBodyDeadline(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  timeoutMs: number,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (!req.url?.startsWith('/internal/') && !isStreamUpload(req.method, req.url)) {
      const timer = setTimeout(() => {
        // A request without a body is complete at once: only a stalled upload is cut.
        if (req.complete) return;
        if (!res.headersSent) {
          const body = JSON.stringify({ error: {
            code: 'request_timeout', message: `the request body did not arrive within ${Math.round(timeoutMs / 1000)} s`,
            hint: 'send the whole body at once, with a correct Content-Length',
          } });
          res.writeHead(408, { 'content-type': 'application/json; charset=utf-8', connection: 'close', 'content-length': Buffer.byteLength(body) });
          res.end(body, () => req.socket.destroy());
        } else req.socket.destroy();
      }, timeoutMs);
      timer.unref();
      const clear = () => clearTimeout(timer);
      req.once('end', clear);
      req.once('close', clear);
      res.once('close', clear);
    }
    handler(req, res);
  };
}
