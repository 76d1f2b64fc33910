// JSON request bodies, parsed at the edge with a size limit and a clear
// 400/413 for anything else, so operations only ever see plain objects.
import type { Context, Next } from 'koa';
import { BerthError, badRequest } from '../shared/errors.js';

declare module 'koa' {
  interface Request { body?: unknown }
}

const LIMIT = 1024 * 1024;

export async function jsonBody(ctx: Context, next: Next): Promise<void> {
  if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(ctx.method) || !ctx.path.startsWith('/api/')) return next();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > LIMIT) throw new BerthError('body_too_large', 413, 'the request body is larger than 1 MiB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text) {
    if (!ctx.is('application/json') && !text.startsWith('{')) throw badRequest('invalid_body', 'send JSON with Content-Type: application/json');
    try {
      ctx.request.body = JSON.parse(text);
    } catch (err) {
      throw badRequest('invalid_json', `the request body is not valid JSON: ${(err as Error).message}`);
    }
  }
  await next();
}
