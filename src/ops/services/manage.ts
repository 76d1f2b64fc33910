// services:logs, services:restart, services:destroy. Destroy asks for the
// name twice and is refused while any app is linked, naming them, so a
// database in use cannot be removed by mistake.
import { fail } from '../../shared/errors.js';
import { deleteServiceRecord, getServiceLinks } from '../../store/services.js';
import type { OpsDeps } from '../deps.js';
import { requireService } from './lookup.js';
import { waitReady } from './ready.js';

export const MAX_LOG_LINES = 10_000;

export async function servicesLogs(input: { name: unknown; lines?: unknown }, deps: OpsDeps): Promise<{ lines: string[] }> {
  const ctx = await requireService(input.name, deps);
  const n = input.lines === undefined ? 100 : Number(input.lines);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LOG_LINES) throw fail('invalid_lines', `lines must be a whole number from 1 to ${MAX_LOG_LINES}`, 'for example: --num 200');
  return { lines: await ctx.runtime.logs(ctx.record.name, n) };
}

/** Restarts the container (data stays on its volume); returns once it accepts connections again. */
export async function servicesRestart(input: { name: unknown }, deps: OpsDeps): Promise<{ restarted: string }> {
  const ctx = await requireService(input.name, deps);
  await ctx.runtime.start(ctx.spec); // recreates a container removed behind Berth's back
  await ctx.runtime.restart(ctx.record.name);
  await waitReady(ctx, deps);
  return { restarted: ctx.record.name };
}

export async function servicesDestroy(input: { name: unknown; confirm: unknown }, deps: OpsDeps): Promise<{ destroyed: string }> {
  const ctx = await requireService(input.name, deps);
  const name = ctx.record.name;
  if (input.confirm !== name) {
    throw fail('confirmation_required', `destroying ${name} deletes its data and needs confirmation`, `run: berth services:destroy ${name} --confirm ${name}`);
  }
  const apps = Object.keys(await getServiceLinks(deps.redis, name)).sort();
  if (apps.length > 0) {
    throw fail('service_linked', `${name} is linked to ${apps.join(', ')}; unlink it first`,
      apps.map((a) => `berth services:unlink ${name} ${a}`).join('; '));
  }
  await ctx.runtime.remove(name);
  await deleteServiceRecord(deps.redis, name);
  return { destroyed: name };
}
