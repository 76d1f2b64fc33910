// The one place routes read their JSON body and query flags: every route
// names the fields it takes, and anything else is a 400 that names it, so a
// typo ("restrat") is never silently ignored.
import type { Context } from 'koa';
import { fail } from '../shared/errors.js';

export type Fields<K extends string> = { readonly [P in K]?: unknown };

/**
 * The body's fields, when it is a JSON object with only `allowed` keys (an
 * empty body is {}). The copy has no prototype, so no key can reach one.
 */
export function bodyFields<K extends string>(ctx: Context, allowed: readonly K[]): Fields<K> {
  const body = ctx.request.body;
  const out = Object.create(null) as Record<string, unknown>;
  if (body === undefined) return out as Fields<K>;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw fail('invalid_body', `the request body must be a JSON object${allowed.length ? ` with ${list(allowed)}` : ''}`);
  }
  for (const [key, value] of Object.entries(body)) {
    if (!(allowed as readonly string[]).includes(key)) {
      throw fail('unknown_field', `unknown field ${show(key)} in the request body`,
        allowed.length ? `this request takes ${list(allowed)}` : 'this request takes no body');
    }
    out[key] = value;
  }
  return out as Fields<K>;
}

const list = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ');
/** A value as JSON for a message, cut short: bodies can be 1 MiB. */
const show = (v: unknown) => { const s = JSON.stringify(v) ?? String(v); return s.length > 60 ? `${s.slice(0, 60)}...` : s; };

/** An optional JSON boolean field: true and false only. */
export function booleanField(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw fail('invalid_field', `"${name}" must be true or false (a JSON boolean), not ${show(value)}`);
  }
  return value;
}

/** An optional JSON string field. */
export function stringField(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw fail('invalid_field', `"${name}" must be a string, not ${show(value)}`);
  return value;
}

const FLAG: Readonly<Record<string, boolean>> = { true: true, '1': true, false: false, '0': false };

/** A query-string flag (?restart=false): true, false, 1 or 0, given once. */
export function queryFlag(ctx: Context, name: string, fallback: boolean): boolean {
  const raw = ctx.query[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && Object.hasOwn(FLAG, raw) ? FLAG[raw] : undefined;
  if (value === undefined) {
    throw fail('invalid_query', `?${name}= must be true, false, 1 or 0 (given once), not ${show(raw)}`);
  }
  return value;
}
