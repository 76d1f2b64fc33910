// A one-off's output streamed to the terminal (`berth run`, `berth cron:run`):
// the server's SSE events `message` (a chunk of stdout or stderr), `exit`
// (its code) and `error`. Returns the exit code to end with: the one-off's
// own, 1 for an error or a connection that closed first, 130 on Ctrl-C
// (the server stops the container once the request goes away).
import type { ApiClient } from './client.js';
import type { Output } from './output.js';
import { eventJson } from './sse.js';

interface Chunk { stream: 'stdout' | 'stderr'; text: string }
export interface ExitEvent { code: unknown; outcome?: string; reason?: string }

export async function streamOneOff(client: ApiClient, path: string, body: unknown, io: {
  out: Output; signal: AbortSignal; what: string; onExit?: (ev: ExitEvent) => void;
}): Promise<number> {
  const { out, signal } = io;
  try {
    for await (const ev of await client.stream('POST', path, { body, signal })) {
      if (ev.event === 'message') {
        const c = eventJson<Chunk>(ev);
        (c.stream === 'stderr' ? out.stderr : out.stdout).write(c.text);
      } else if (ev.event === 'exit') {
        const exit = eventJson<ExitEvent>(ev);
        io.onExit?.(exit);
        const { code } = exit;
        return typeof code === 'number' && Number.isInteger(code) && code >= 0 && code <= 255 ? code : 1;
      } else if (ev.event === 'error') {
        out.error(eventJson<{ message: string }>(ev).message);
        return 1;
      }
    }
  } catch (err) {
    if (signal.aborted) return 130;
    throw err;
  }
  if (signal.aborted) return 130;
  out.error(`the connection to the server closed before the ${io.what} ended`);
  return 1;
}
