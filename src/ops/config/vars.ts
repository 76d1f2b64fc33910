// Validation of config var names and values at the edge. Every var becomes
// an environment variable of every process, so the limits follow what
// execve and Docker can carry: no NUL, one `KEY=value` string well under
// Linux's 128 KiB per string, and the whole environment well under the
// ~2 MiB that args and env share.
import { fail } from '../../shared/errors.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_KEY_LENGTH = 256;
export const MAX_VALUE_BYTES = 32 * 1024;
export const MAX_CONFIG_BYTES = 256 * 1024;
// Set by Berth for every process; a user value would be silently replaced.
const RESERVED = new Set(['PORT', 'DYNO', 'BERTH_APP', 'BERTH_RELEASE']);
// Valid shell names, but names of JavaScript's object machinery: refused so
// no config object can ever have its prototype reached or shadowed.
const OBJECT_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);
const show = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);

export function validateKey(key: unknown): string {
  if (typeof key !== 'string' || !KEY.test(key)) {
    const shown = typeof key === 'string' ? show(key) : String(key);
    throw fail('invalid_config_key', `invalid config var name ${shown}: use letters, digits and _ and do not start with a digit`, 'for example: DATABASE_URL=postgres://...');
  }
  if (key.length > MAX_KEY_LENGTH) throw fail('invalid_config_key', `the config var name ${show(key)} is longer than ${MAX_KEY_LENGTH} characters`);
  if (OBJECT_KEYS.has(key)) throw fail('invalid_config_key', `"${key}" cannot be a config var name`, 'choose another name, such as an upper-case one');
  if (RESERVED.has(key)) throw fail('reserved_config_key', `${key} is set by Berth and cannot be changed`);
  return key;
}

export function validateValue(key: string, v: unknown): string {
  if (typeof v !== 'string') {
    throw fail('invalid_config_value', `the value of ${key} must be a string, not ${describe(v)}`,
      'quote numbers and booleans: { "vars": { "WORKERS": "4" } }');
  }
  if (v.includes('\0')) throw fail('invalid_config_value', `the value of ${key} contains a NUL character, which no environment variable can hold`);
  if (/\p{Surrogate}/u.test(v)) throw fail('invalid_config_value', `the value of ${key} is not valid Unicode (a lone surrogate)`);
  if (Buffer.byteLength(v) > MAX_VALUE_BYTES) {
    throw fail('invalid_config_value', `the value of ${key} is larger than ${MAX_VALUE_BYTES / 1024} KiB`, 'keep large data in a file or a service and put its location in the config var');
  }
  return v;
}

/** `{ KEY: "value", ... }` with at least one var; the copy has no prototype. */
export function validateVars(vars: unknown): Record<string, string> {
  if (!vars || typeof vars !== 'object' || Array.isArray(vars) || Object.keys(vars).length === 0) {
    throw fail('invalid_config', 'expected { "vars": { "KEY": "value", ... } } with at least one var');
  }
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(vars as Record<string, unknown>)) out[validateKey(k)] = validateValue(k, v);
  return out;
}

/** The whole environment the vars make, checked after a change is merged in. */
export function checkConfigSize(vars: Readonly<Record<string, string>>): void {
  let bytes = 0;
  for (const [k, v] of Object.entries(vars)) bytes += Buffer.byteLength(k) + Buffer.byteLength(v) + 2;
  if (bytes > MAX_CONFIG_BYTES) {
    throw fail('config_too_large', `the app's config vars would take ${Math.ceil(bytes / 1024)} KiB, more than the limit of ${MAX_CONFIG_BYTES / 1024} KiB`,
      'unset vars you no longer need, or keep large data in a file or a service');
  }
}
