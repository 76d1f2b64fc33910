// Server-Sent Events for streams (logs -t, builds:output -t, run): one JSON
// object per `data:` line, with comment pings so proxies keep it open.
// Events of a resumable stream carry `id:` (a Redis stream id); the browser
// sends the last one back as Last-Event-ID when it reconnects.
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';

export interface SseStream {
  /** `id` becomes the event id the browser sends back as Last-Event-ID. */
  send(data: unknown, event?: string, id?: string): void;
  /** `send` for data already JSON-encoded (one text shared by many clients). */
  sendText(json: string, event?: string, id?: string): void;
  comment(text: string): void;
  end(): void;
  /** Bytes written but not yet taken by the client (a slow reader's backlog). */
  readonly buffered: number;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

export function openSse(ctx: Context): SseStream {
  const out = new PassThrough();
  const abort = new AbortController();
  ctx.status = 200;
  ctx.type = 'text/event-stream';
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.body = out;
  // A dropped stream is retried after 1 s (EventSource's default is ~3 s).
  out.write('retry: 1000\n\n');
  const ping = setInterval(() => out.write(': ping\n\n'), 15_000);
  const close = () => { clearInterval(ping); abort.abort(); };
  ctx.res.on('close', close);
  const sendText = (json: string, event?: string, id?: string) => {
    if (out.writableEnded) return;
    out.write(`${id ? `id: ${id}\n` : ''}${event ? `event: ${event}\n` : ''}data: ${json}\n\n`);
  };
  return {
    send(data, event, id) { sendText(JSON.stringify(data), event, id); },
    sendText,
    comment(text) { if (!out.writableEnded) out.write(`: ${text}\n\n`); },
    end() { close(); out.end(); },
    get buffered() { return out.writableLength + (ctx.res.writableLength ?? 0); },
    signal: abort.signal,
  };
}
