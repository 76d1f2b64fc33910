// Validation of config var names and values at the edge.
import { badRequest } from '../../shared/errors.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Set by Berth for every process; a user value would be silently replaced.
const RESERVED = new Set(['PORT', 'DYNO', 'BERTH_APP', 'BERTH_RELEASE']);

export function validateKey(key: unknown): string {
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw badRequest('invalid_config_key', `invalid config var name ${JSON.stringify(key)}: use letters, digits and _ and do not start with a digit`, 'for example: DATABASE_URL=postgres://...');
  }
  if (RESERVED.has(key)) throw badRequest('reserved_config_key', `${key} is set by Berth and cannot be changed`);
  return key;
}

export function validateVars(vars: unknown): Record<string, string> {
  if (!vars || typeof vars !== 'object' || Array.isArray(vars) || Object.keys(vars).length === 0) {
    throw badRequest('invalid_config', 'expected { "vars": { "KEY": "value", ... } } with at least one var');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars as Record<string, unknown>)) {
    if (typeof v !== 'string') throw badRequest('invalid_config_value', `the value of ${k} must be a string`);
    if (v.length > 32_768) throw badRequest('invalid_config_value', `the value of ${k} is longer than 32 KiB`);
    out[validateKey(k)] = v;
  }
  return out;
}
