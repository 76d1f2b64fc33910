// run — a one-off process of the current release with the app's config:
// output streamed, exit code passed through, container removed afterwards.
// Split in two so an adapter can refuse bad input before it starts a stream.
import { fail } from '../../shared/errors.js';
import type { Release } from '../../shared/types.js';
import { requireApp, requireCurrentRelease } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

const shellQuote = (s: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function commandLine(raw: unknown): string {
  if (typeof raw === 'string' && raw.trim()) return raw;
  if (Array.isArray(raw) && raw.length > 0 && raw.every((a) => typeof a === 'string')) {
    // A single argument is a shell line (`run app -- 'echo $X'`); several are argv.
    return raw.length === 1 ? (raw[0] as string) : raw.map(shellQuote).join(' ');
  }
  throw fail('invalid_command', 'a command is required', 'for example: berth run my-app -- ls -la');
}

export interface PreparedRun { readonly release: Release; readonly command: string; readonly detach: boolean }

export async function runPrepare(input: { app: unknown; command?: unknown; detach?: unknown }, deps: OpsDeps): Promise<PreparedRun> {
  const app = await requireApp(input.app, deps);
  const command = commandLine(input.command);
  return { release: await requireCurrentRelease(app, deps), command, detach: input.detach === true };
}

export function runStart(
  run: PreparedRun, deps: OpsDeps,
  io: { onOutput?: (stream: 'stdout' | 'stderr', text: string) => void; signal?: AbortSignal } = {},
) {
  return deps.scheduler.run(run.release, { command: run.command, detach: run.detach, ...io });
}
