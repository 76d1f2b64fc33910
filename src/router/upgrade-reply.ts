// The app's answer to an Upgrade request, written to the client's raw socket
// (an upgraded socket has left node's HTTP server, so no ServerResponse).
// A 101 is passed on as a 101 head and the tunnel starts. Any other answer
// is an ordinary HTTP response: it is relayed with its own framing and the
// connection is closed after it, because the bytes that follow on the
// client's connection may be a request for another app, which must go
// through Host routing and the header rules on a fresh connection.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { clientHeaders } from './edge-headers.js';

/** How long a closed connection still swallows what the client sends, so a reset cannot eat our answer. */
const LINGER_MS = 2000;

const headBytes = (statusLine: string, headers: readonly string[]): Buffer => {
  let head = `${statusLine}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  // Header values are latin1 as node's parser read them: write the same bytes back.
  return Buffer.from(`${head}\r\n`, 'latin1');
};

/** The 101 head for the client: the app's headers without its hop's, plus the Upgrade pair. */
export function switchingHead(res: IncomingMessage, requestId: string): Buffer {
  const headers = clientHeaders(res.rawHeaders, requestId);
  headers.push('Connection', 'Upgrade');
  if (res.headers.upgrade !== undefined) headers.push('Upgrade', res.headers.upgrade);
  return headBytes(`HTTP/1.1 101 ${res.statusMessage || 'Switching Protocols'}`, headers);
}

/**
 * Ends a raw client connection after what was written, like nginx's
 * lingering close: what the client still sends is read and dropped (unread
 * bytes would make the kernel answer with a reset), and the socket goes at
 * the client's FIN or after LINGER_MS.
 */
export function closeAfterAnswer(client: Duplex): void {
  if (client.destroyed) return;
  client.on('data', () => {});
  client.resume();
  client.end();
  const timer = setTimeout(() => client.destroy(), LINGER_MS);
  timer.unref();
  // The client's FIN: go once our answer is flushed, not before.
  client.once('end', () => (client.writableFinished ? client.destroy() : client.once('finish', () => client.destroy())));
  client.once('close', () => clearTimeout(timer));
}

const CRLF = Buffer.from('\r\n');
const bodyless = (method: string | undefined, status: number) => method === 'HEAD' || status === 204 || status === 304;

/**
 * Relays a non-101 answer. Framing: the app's Content-Length if it sent one,
 * else chunked for an HTTP/1.1 client, else (HTTP/1.0) the close. Always
 * `Connection: close`. An app that dies mid-body cuts the client.
 */
export function relayAnswer(req: IncomingMessage, res: IncomingMessage, client: Duplex, requestId: string, onEnd: (bytes: number) => void): void {
  const status = res.statusCode ?? 502;
  const headers = clientHeaders(res.rawHeaders, requestId);
  const noBody = bodyless(req.method, status);
  const chunked = !noBody && res.headers['content-length'] === undefined && req.httpVersion === '1.1';
  if (chunked) headers.push('Transfer-Encoding', 'chunked');
  headers.push('Connection', 'close');
  client.write(headBytes(`HTTP/1.1 ${status} ${res.statusMessage ?? ''}`, headers));
  let bytes = 0;
  res.on('data', (chunk: Buffer) => {
    if (chunk.length === 0) return; // a zero-size chunk would end a chunked body
    bytes += chunk.length;
    const framed = chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, CRLF]) : chunk;
    if (!client.write(framed)) {
      res.pause();
      client.once('drain', () => res.resume());
    }
  });
  res.once('end', () => {
    if (chunked) client.write('0\r\n\r\n');
    closeAfterAnswer(client);
    onEnd(bytes);
  });
  // Cut mid-body: the only honest signal left (the head is out).
  res.once('aborted', () => client.destroy());
  res.once('error', () => client.destroy());
  client.once('close', () => res.destroy());
}
