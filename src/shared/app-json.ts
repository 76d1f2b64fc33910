// app.json, the manifest Heroku and Dokku read: healthchecks and formation.
// Validated strictly, so a typo is a clear build error, not a silent default.
import { badRequest } from './errors.js';
import type { HealthCheck } from './types.js';

export interface AppManifest {
  readonly healthchecks: Record<string, HealthCheck[]>;
  readonly formation: Record<string, number>;
}

const bad = (msg: string) => badRequest('invalid_app_json', `app.json: ${msg}`, 'fix app.json, commit, and push again');

function num(v: unknown, where: string, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw bad(`${where} must be a number from ${min} to ${max}`);
  return v;
}

function parseCheck(raw: unknown, where: string): HealthCheck {
  if (!raw || typeof raw !== 'object') throw bad(`${where} must be an object`);
  const c = raw as Record<string, unknown>;
  const path = c.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/')) throw bad(`${where}.path must start with "/"`);
  if (c.content !== undefined && typeof c.content !== 'string') throw bad(`${where}.content must be a string`);
  return {
    path,
    timeoutSec: num(c.timeout, `${where}.timeout`, 5, 1, 120),
    attempts: num(c.attempts, `${where}.attempts`, 5, 1, 100),
    waitSec: num(c.wait, `${where}.wait`, 1, 0, 60),
    content: c.content as string | undefined,
  };
}

export function parseAppJson(text: string): AppManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw bad(`not valid JSON (${(err as Error).message})`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw bad('the top level must be an object');
  const d = doc as Record<string, unknown>;
  const healthchecks: Record<string, HealthCheck[]> = {};
  if (d.healthchecks !== undefined) {
    if (!d.healthchecks || typeof d.healthchecks !== 'object') throw bad('healthchecks must be an object of process type -> list');
    for (const [type, list] of Object.entries(d.healthchecks as Record<string, unknown>)) {
      if (!Array.isArray(list)) throw bad(`healthchecks.${type} must be a list`);
      healthchecks[type] = list.map((c, i) => parseCheck(c, `healthchecks.${type}[${i}]`));
    }
  }
  const formation: Record<string, number> = {};
  if (d.formation !== undefined) {
    if (!d.formation || typeof d.formation !== 'object') throw bad('formation must be an object of process type -> { quantity }');
    for (const [type, f] of Object.entries(d.formation as Record<string, unknown>)) {
      const q = (f as { quantity?: unknown } | null)?.quantity;
      formation[type] = num(q, `formation.${type}.quantity`, 1, 0, 100);
    }
  }
  return { healthchecks, formation };
}
