// logs — the app's runtime output, every process interleaved, kept across
// deploys up to a bounded size; `tail` follows new lines as they come.
import { badRequest } from '../../shared/errors.js';
import { followAppLog, readAppLog, type AppLogLine } from '../../store/app-logs.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

export const MAX_LOG_LINES = 10_000;

function parseN(raw: unknown): number {
  if (raw === undefined || raw === '') return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LOG_LINES) throw badRequest('invalid_lines', `-n must be a whole number from 1 to ${MAX_LOG_LINES}`);
  return n;
}

function parseType(raw: unknown): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^[A-Za-z0-9_-]+(\.\d+)?$/.test(raw)) throw badRequest('invalid_process_type', `invalid process type ${JSON.stringify(raw)}`);
  return raw;
}

export async function logsRead(input: { app: unknown; n?: unknown; type?: unknown }, deps: OpsDeps): Promise<AppLogLine[]> {
  const app = await requireApp(input.app, deps);
  return readAppLog(deps.redis, app.name, parseN(input.n), parseType(input.type));
}

export async function logsTail(input: { app: unknown; type?: unknown }, deps: OpsDeps, signal: AbortSignal): Promise<AsyncGenerator<AppLogLine>> {
  const app = await requireApp(input.app, deps);
  return followAppLog(deps.redis, app.name, signal, parseType(input.type));
}
