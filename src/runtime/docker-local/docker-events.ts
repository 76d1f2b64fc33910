// Docker's event stream, kept open: when dockerd restarts (or the stream is
// cut), it is opened again with backoff, and `onOpen` is told it reopened,
// since whatever happened while it was shut (containers restarted by their
// policy, with new addresses) came with no event and must be re-listed.
import type { Docker } from '../../docker/client.js';
import { lineSplitter } from '../../shared/line-splitter.js';

export interface DockerEvent { status?: string; Action?: string; id?: string; Actor?: { Attributes?: Record<string, string> } }

export interface EventFeed { close(): void }

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5000;

export interface EventFeedOptions {
  readonly filters: Record<string, string[]>;
  onEvent(ev: DockerEvent): void;
  /** After each open; `reopened` is false only for the first. */
  onOpen(reopened: boolean): void;
  log(line: string): void;
}

type Stream = NodeJS.ReadableStream & { destroy(): void };

/** Opens the stream; resolves once the first open succeeds (or throws its error). */
export async function followDockerEvents(docker: Docker, o: EventFeedOptions): Promise<EventFeed> {
  let closed = false;
  let current: Stream | undefined;
  let retryMs = RETRY_FIRST_MS;
  let timer: NodeJS.Timeout | undefined;

  const open = async (): Promise<void> => {
    const stream = (await docker.getEvents({ filters: o.filters })) as unknown as Stream;
    if (closed) return void stream.destroy();
    current = stream;
    let over = false;
    const lines = lineSplitter((line) => {
      let ev: DockerEvent;
      try { ev = JSON.parse(line) as DockerEvent; } catch { return; /* an empty or foreign line */ }
      o.onEvent(ev);
    });
    stream.on('data', (chunk: Buffer) => lines.push(chunk));
    const ended = (why: string) => {
      if (over || closed) return;
      over = true;
      current = undefined;
      o.log(`docker events: ${why}; reopening`);
      retry();
    };
    stream.on('error', (err: Error) => ended(err.message));
    stream.on('end', () => ended('the stream ended'));
    stream.on('close', () => ended('the stream closed'));
  };

  const retry = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (closed) return;
      open().then(() => {
        if (closed) return;
        o.log('docker events: reopened; re-listing containers');
        retryMs = RETRY_FIRST_MS;
        o.onOpen(true);
      }, (err: Error) => {
        // dockerd still down (ENOENT, ECONNREFUSED) or starting: try again later.
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        if (retryMs === RETRY_MAX_MS) o.log(`docker events: cannot reopen yet (${err.message})`);
        retry();
      });
    }, retryMs);
  };

  await open();
  o.onOpen(false);
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      current?.destroy();
    },
  };
}
