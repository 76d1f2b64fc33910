// app.json `healthchecks`: process type -> list of checks, in Dokku's format.
// Berth runs HTTP checks (path, content, attempts, timeout, wait) before a
// new web container takes traffic. The other keys Dokku defines are
// accepted with a warning; any key Dokku does not define is a typo.
import { appJsonError, describe, num, onlyKnownKeys, requireObject, type Obj } from './app-json-shape.js';
import type { HealthCheck } from './types.js';

const USED = ['path', 'content', 'attempts', 'timeout', 'wait', 'type', 'name', 'description'];
// Dokku's other check keys (docs/appendices/file-formats/app-json.md).
const NOT_SUPPORTED = ['command', 'httpHeaders', 'initialDelay', 'listening', 'port', 'scheme', 'uptime', 'warn', 'onFailure'];
const TYPES = ['startup', 'liveness', 'readiness'];

function parseCheck(raw: unknown, where: string, warnings: string[]): HealthCheck | undefined {
  const c = requireObject(raw, where, '{ "path": "/", "attempts": 5, ... }');
  onlyKnownKeys(c, where, [...USED, ...NOT_SUPPORTED]);
  if (c.type !== undefined && (typeof c.type !== 'string' || !TYPES.includes(c.type))) {
    throw appJsonError(`${where}.type must be one of ${TYPES.join(', ')}, not ${describe(c.type)}`);
  }
  for (const k of ['name', 'description'] as const) {
    if (c[k] !== undefined && typeof c[k] !== 'string') throw appJsonError(`${where}.${k} must be a string, not ${describe(c[k])}`);
  }
  for (const k of NOT_SUPPORTED) if (k in c) warnings.push(`${where}.${k} is not supported by Berth; ignored`);
  if (c.command !== undefined && c.path === undefined && c.content === undefined) {
    // A command check has no HTTP side; checking "/" instead would be a check the user never wrote.
    warnings.push(`${where} is a command check, which Berth does not run; skipped`);
    return undefined;
  }
  if (c.type !== undefined && c.type !== 'startup') warnings.push(`${where} is a ${c.type} check; Berth runs it once, as a startup check`);
  return httpCheck(c, where);
}

function httpCheck(c: Obj, where: string): HealthCheck {
  const path = c.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/')) throw appJsonError(`${where}.path must be a string that starts with "/", not ${describe(path)}`);
  if (c.content !== undefined && typeof c.content !== 'string') throw appJsonError(`${where}.content must be a string, not ${describe(c.content)}`);
  return {
    path,
    timeoutSec: num(c.timeout, `${where}.timeout`, 5, 1, 120),
    attempts: num(c.attempts, `${where}.attempts`, 5, 1, 100, true),
    waitSec: num(c.wait, `${where}.wait`, 1, 0, 60),
    content: c.content as string | undefined,
  };
}

export function parseHealthchecks(raw: unknown, warnings: string[]): Record<string, HealthCheck[]> {
  const out: Record<string, HealthCheck[]> = {};
  if (raw === undefined) return out;
  const all = requireObject(raw, 'healthchecks', 'process type -> list of checks, e.g. { "web": [{ "path": "/" }] }');
  for (const [type, list] of Object.entries(all)) {
    const where = `healthchecks.${type}`;
    if (!Array.isArray(list)) throw appJsonError(`${where} must be a list of checks, e.g. [{ "path": "/" }], not ${describe(list)}`);
    out[type] = list.flatMap((c, i) => parseCheck(c, `${where}[${i}]`, warnings) ?? []);
    if (type !== 'web' && list.length) warnings.push(`${where}: Berth checks web processes only; ignored`);
  }
  return out;
}
