// JSON request bodies, parsed at the edge with a size limit and a clear
// 400/413/415 for anything else, so operations only ever see plain data.
// Only /api/ paths: the hook endpoint (/internal/v1/receive) streams a tar.
import type { Context, Next } from 'koa';
import { BerthError, fail } from '../shared/errors.js';

declare module 'koa' {
  interface Request { body?: unknown }
}

const LIMIT = 1024 * 1024;
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// Keys that would reach an object's prototype if some code ever copied the
// body with plain assignment; no Berth field is named like this.
const FORBIDDEN_KEYS = new Set(['__proto__']);

const unsupported = (got: string) => new BerthError('unsupported_media_type', `the request body must be JSON sent with Content-Type: application/json (got ${got ? JSON.stringify(got) : 'no Content-Type'})`,
  { hint: 'send the header "Content-Type: application/json"' });

/** Whether the request says it carries a body (RFC 9110: Content-Length > 0 or Transfer-Encoding). */
function declaresBody(ctx: Context): boolean {
  const length = ctx.get('content-length');
  return ctx.get('transfer-encoding') !== '' || (length !== '' && length !== '0');
}

/** application/json, with no parameter but an optional charset=utf-8. */
function checkMediaType(ctx: Context): void {
  const raw = ctx.get('content-type');
  const [type, ...params] = raw.split(';').map((s) => s.trim().toLowerCase());
  if (type !== 'application/json') throw unsupported(raw);
  for (const p of params) {
    if (p === '') continue;
    const [name, value] = p.split('=').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
    if (name !== 'charset' || (value !== 'utf-8' && value !== 'utf8')) throw unsupported(raw);
  }
}

async function readText(ctx: Context): Promise<string> {
  if (Number(ctx.get('content-length')) > LIMIT) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > LIMIT) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  const buf = Buffer.concat(chunks);
  // Invalid UTF-8 would otherwise turn into U+FFFD in config values unseen.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw fail('invalid_json', 'the request body is not valid UTF-8');
  }
}

const tooLarge = () => new BerthError('body_too_large', 'the request body is larger than 1 MiB');

/** JSON.parse that refuses `__proto__` keys at any depth. */
export function parseJson(text: string): unknown {
  let bad: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v) => {
      if (FORBIDDEN_KEYS.has(key)) bad = key;
      return v;
    });
  } catch (err) {
    // JSON.parse recurses: thousands of nested [ or { run out of stack. No Berth request nests beyond a few levels.
    if (err instanceof RangeError) throw fail('invalid_json', 'the request body is nested too deeply to parse', 'no Berth request nests more than a few levels: send the fields the route takes');
    throw fail('invalid_json', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  if (bad !== undefined) throw fail('invalid_json', `the request body has a key named "${bad}", which is not allowed`);
  return value;
}

export async function jsonBody(ctx: Context, next: Next): Promise<void> {
  if (!WITH_BODY.has(ctx.method) || !ctx.path.startsWith('/api/')) return next();
  // Checked before reading, so a wrong type is never buffered.
  if (declaresBody(ctx)) checkMediaType(ctx);
  const text = (await readText(ctx)).trim();
  if (text) ctx.request.body = parseJson(text);
  await next();
}
