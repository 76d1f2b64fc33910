// Shape checks for app.json, each failing with a message that names the
// exact key (formation.web.quantity) and says what was expected instead.
import { fail } from './errors.js';

export type Obj = Record<string, unknown>;

export const appJsonError = (msg: string) => fail('invalid_app_json', `app.json: ${msg}`, 'fix app.json, commit, and push again');

export const isObject = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

export function requireObject(v: unknown, where: string, shape: string): Obj {
  if (!isObject(v)) throw appJsonError(`${where} must be an object (${shape}), not ${describe(v)}`);
  return v;
}

export function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

/** Refuses keys outside `known`, naming the ones that are allowed. */
export function onlyKnownKeys(o: Obj, where: string, known: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw appJsonError(`${where} has an unknown key "${k}"; the keys there are: ${known.join(', ')}`);
  }
}

export function num(v: unknown, where: string, fallback: number, min: number, max: number, integer = false): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw appJsonError(`${where} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, not ${describe(v)}`);
  }
  return v;
}

