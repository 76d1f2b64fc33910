// Parsing and checking a formation ({ web: 2, worker: 1 }) at the edge.
import { fail } from '../../shared/errors.js';
import { RELEASE_PROCESS, type Release } from '../../shared/types.js';

export const MAX_REPLICAS = 100;

export function validateFormation(raw: unknown, release: Release): Record<string, number> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw) || Object.keys(raw).length === 0) {
    throw fail('invalid_formation', 'expected { "formation": { "web": 2, ... } }', 'for example: berth ps:scale my-app web=2 worker=1');
  }
  const out: Record<string, number> = {};
  for (const [type, n] of Object.entries(raw as Record<string, unknown>)) {
    if (!Object.hasOwn(release.processTypes, type) || type === RELEASE_PROCESS) {
      const known = Object.keys(release.processTypes).filter((t) => t !== RELEASE_PROCESS).join(', ');
      throw fail('unknown_process_type', `there is no process type "${type}" in the current release`, `process types: ${known}`);
    }
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_REPLICAS) {
      throw fail('invalid_formation', `${type}=${JSON.stringify(n)} is not a replica count from 0 to ${MAX_REPLICAS}`);
    }
    out[type] = n;
  }
  return out;
}
