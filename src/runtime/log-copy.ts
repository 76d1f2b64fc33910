// Copies one Docker log stream (requested with timestamps) into an app's log
// stream, in 50 ms batches, for both schedulers: a container's logs
// (docker-local) and a service's (swarm). Each batch moves a cursor in Redis,
// so a restarted server skips what a previous run already stored.
import { PassThrough } from 'node:stream';
import type { Docker } from '../docker/client.js';
import { appendAppLog, type AppLogLine } from '../store/app-logs.js';
import type { RedisHandle } from '../store/redis.js';
import { lineSplitter } from '../shared/line-splitter.js';

export interface LogCopy {
  readonly redis: RedisHandle;
  readonly app: string;
  readonly maxLines: number;
  /** Redis hash and field of this stream's cursor: the time of the last stored line. */
  readonly cursor: { readonly key: string; readonly field: string };
  /** The cursor read before the stream was opened; lines at or before it are skipped. */
  readonly last: string | null;
  /** Splits one raw line ("<time> ...") into its time, process name and text. */
  parse(raw: string): { time: string; process: string; line: string };
  /** A last, asynchronous look at a batch before it is stored (swarm names the tasks it had not seen yet). */
  settle?(lines: AppLogLine[]): Promise<AppLogLine[]>;
}

/** Starts copying; returns a flush for the caller's end/error handlers. */
export function copyDockerLog(docker: Docker, stream: NodeJS.ReadableStream, spec: LogCopy): () => void {
  const sink = new PassThrough();
  docker.modem.demuxStream(stream, sink, sink);
  let batch: AppLogLine[] = [];
  let timer: NodeJS.Timeout | undefined;
  // Batches are stored one after another, in order, even when one waits on settle().
  let stored: Promise<unknown> = Promise.resolve();
  const flush = () => {
    timer = undefined;
    const lines = batch;
    batch = [];
    if (!lines.length) return;
    stored = stored.then(async () => {
      await appendAppLog(spec.redis, spec.app, spec.settle ? await spec.settle(lines) : lines, spec.maxLines);
      await spec.redis.client.hset(spec.cursor.key, spec.cursor.field, lines[lines.length - 1]!.time);
    }).catch(() => {});
  };
  const splitter = lineSplitter((raw) => {
    const { time, process, line } = spec.parse(raw);
    if (spec.last && time <= spec.last) return;
    batch.push({ time: new Date(Date.parse(time) || Date.now()).toISOString(), process, line });
  });
  sink.on('data', (chunk: Buffer) => {
    splitter.push(chunk);
    timer ??= setTimeout(flush, 50);
  });
  return flush;
}
