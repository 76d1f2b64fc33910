// The exit codes of one booting container, from Docker's events. Its State
// cannot be trusted for this: the restart policy starts it again within
// 100 ms and resets State.ExitCode to 0, and a loaded host may not inspect
// it inside that window. A `die` event carries the code, and `since`
// replays those that came before the watch began.
import type { Docker } from '../../docker/client.js';
import { lineSplitter } from '../../shared/line-splitter.js';

export interface ExitWatch {
  /** The latest exit code seen, if any. */
  last(): number | undefined;
  close(): void;
}

export async function watchExits(docker: Docker, id: string, sinceMs: number): Promise<ExitWatch> {
  let code: number | undefined;
  let stream: (NodeJS.ReadableStream & { destroy(): void }) | undefined;
  try {
    stream = (await docker.getEvents({
      since: Math.floor(sinceMs / 1000) - 1,
      filters: { type: ['container'], container: [id], event: ['die'] },
    })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  } catch {
    return { last: () => undefined, close() {} };
  }
  const lines = lineSplitter((line) => {
    try {
      const n = Number((JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } }).Actor?.Attributes?.exitCode);
      if (Number.isInteger(n)) code = n;
    } catch { /* an empty or foreign line */ }
  });
  stream.on('data', (chunk: Buffer) => lines.push(chunk));
  // Best effort: without events the reason falls back to the State.
  stream.on('error', () => {});
  return { last: () => code, close: () => stream!.destroy() };
}
