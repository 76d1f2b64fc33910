// resource:limit and resource:report — memory and CPU per process type,
// applied at the next deploy or restart, as Dokku does.
import { fail } from '../../shared/errors.js';
import { getResources, setResources, type ResourceLimits } from '../../store/apps.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

const UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function parseMemory(raw: unknown): number {
  const m = /^(\d+(?:\.\d+)?)([bkmg])?$/i.exec(String(raw).trim());
  const bytes = m ? Math.round(Number(m[1]) * UNITS[(m[2] ?? 'm').toLowerCase()]!) : NaN;
  if (!(bytes >= 6 * 1024 ** 2) || bytes > 256 * 1024 ** 3) throw fail('invalid_memory', `invalid memory ${JSON.stringify(raw)}: use e.g. 512m or 1g (at least 6m)`);
  return bytes;
}

export function parseCpus(raw: unknown): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 64) throw fail('invalid_cpus', `invalid cpus ${JSON.stringify(raw)}: use a number like 0.5 or 2`);
  return n;
}

export async function resourceReport(input: { app: unknown }, deps: OpsDeps): Promise<Record<string, ResourceLimits>> {
  const app = await requireApp(input.app, deps);
  return getResources(deps.redis, app.name);
}

export async function resourceLimit(input: { app: unknown; processType?: unknown; memory?: unknown; cpus?: unknown }, deps: OpsDeps) {
  const app = await requireApp(input.app, deps);
  const type = input.processType === undefined || input.processType === '' ? 'web' : String(input.processType);
  if (!/^[A-Za-z0-9_-]+$/.test(type)) throw fail('invalid_process_type', `invalid process type ${JSON.stringify(type)}`);
  if (input.memory === undefined && input.cpus === undefined) throw fail('invalid_limits', 'give --memory and/or --cpus');
  const current = (await getResources(deps.redis, app.name))[type] ?? {};
  const next: ResourceLimits = {
    ...current,
    ...(input.memory !== undefined ? { memoryBytes: parseMemory(input.memory) } : {}),
    ...(input.cpus !== undefined ? { cpus: parseCpus(input.cpus) } : {}),
  };
  await setResources(deps.redis, app.name, type, next);
  return getResources(deps.redis, app.name);
}
