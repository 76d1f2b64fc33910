// Server-Sent Events as the API sends them (logs -t, builds:output -t, run):
// `event:` and `data:` fields, a blank line ends an event, `:` lines are
// keep-alive comments. Chunks may split anywhere, even inside a UTF-8 char.

export interface SseEvent {
  /** `message` unless the server named it (`exit`, `end`, `error`). */
  readonly event: string;
  readonly data: string;
}

/** Incremental parser: feed it text as it arrives, get whole events back. */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  feed(text: string): SseEvent[] {
    this.buffer += text;
    const out: SseEvent[] = [];
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) !== -1) {
      // A lone \r at the end may be half of \r\n: wait for the next chunk.
      if (this.buffer[nl] === '\r' && nl === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + (this.buffer.startsWith('\r\n', nl) ? 2 : 1));
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    return out;
  }

  /** What is left when the stream ends without a final blank line. */
  flush(): SseEvent[] {
    const out = this.buffer ? this.feed('\n') : [];
    const ev = this.line('');
    return ev ? [...out, ev] : out;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') {
      const ev = this.data.length ? { event: this.event || 'message', data: this.data.join('\n') } : undefined;
      this.event = '';
      this.data = [];
      return ev;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    return undefined;
  }
}

/** Reads a response body as events until it ends or `signal` aborts. */
export async function* readSse(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  const cancel = () => { void reader.cancel().catch(() => undefined); };
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.feed(decoder.decode(value, { stream: true }));
    }
    yield* parser.feed(decoder.decode());
    yield* parser.flush();
  } finally {
    signal?.removeEventListener('abort', cancel);
    reader.releaseLock();
  }
}

/** The JSON payload of an event, or a clear error if the server sent junk. */
export function eventJson<T>(ev: SseEvent): T {
  try {
    return JSON.parse(ev.data) as T;
  } catch {
    throw new Error(`the server sent an unreadable ${ev.event} event: ${ev.data.slice(0, 200)}`);
  }
}
