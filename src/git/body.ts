// The request body of a git POST, decoded by Berth. git clients gzip
// larger fetch requests (Content-Encoding: gzip); node-git-server decoded
// them with no error listener (a non-gzip body killed the process) and
// took `deflate` for compression. Here every encoding we take has an error
// path, and anything else is a 415 before a byte is read.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { BerthError } from '../shared/errors.js';

const DECODERS: Record<string, (() => zlib.Gunzip | zlib.Inflate) | undefined> = {
  identity: undefined,
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  // RFC 9110's "deflate" is zlib-wrapped; unzip also takes raw deflate streams.
  deflate: () => zlib.createUnzip(),
};

export function unsupportedEncoding(value: string): BerthError {
  return new BerthError('unsupported_encoding', `Content-Encoding "${value.slice(0, 60)}" is not supported on git requests`,
    { hint: 'send the body as is, or gzip / deflate encoded' });
}

/** Checks the Content-Encoding without reading the body; throws a 415 for one we cannot decode. */
export function checkEncoding(req: IncomingMessage): string | undefined {
  const raw = req.headers['content-encoding'];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = raw.trim().toLowerCase();
  if (!(value in DECODERS)) throw unsupportedEncoding(raw);
  return value === 'identity' ? undefined : value;
}

/**
 * The decoded body. Its errors (a bad gzip stream, a client that went
 * away) are 'error' events the caller must listen to; bodyError turns them
 * into what the client is told. A failed decoder drains the request, so
 * the answer can still be read.
 */
export function decodedBody(req: IncomingMessage, encoding: string | undefined): Readable {
  const make = encoding ? DECODERS[encoding] : undefined;
  if (!make) return req;
  const decoder = make();
  decoder.on('error', () => { req.unpipe(decoder); req.resume(); });
  req.on('error', (err) => decoder.destroy(err));
  req.on('aborted', () => decoder.destroy(new Error('the client closed the request')));
  return req.pipe(decoder);
}

/** What went wrong with a body stream, as a BerthError for the client. */
export function bodyError(err: unknown, encoding: string | undefined): BerthError {
  if (err instanceof BerthError) return err;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) {
    return new BerthError('bad_encoding', `the request body is not valid ${encoding ?? 'data'} (${e.code})`,
      { hint: 'send a body that matches its Content-Encoding header', cause: err });
  }
  return new BerthError('bad_body', `the request body could not be read (${e?.message ?? String(err)})`, { cause: err });
}
