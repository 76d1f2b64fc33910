// Commands in a running container (docker exec) and in a throwaway one with a
// volume mounted: stdout streamed to a sink, stderr kept (bounded), stdin
// streamed in and half-closed, every call under a deadline or a signal.
import { PassThrough, Writable } from 'node:stream';
import { BerthError } from '../shared/errors.js';
import type { Docker } from './client.js';

const STDERR_KEEP = 64 * 1024;

export interface ExecOptions {
  readonly stdin?: NodeJS.ReadableStream;
  readonly stdout?: NodeJS.WritableStream;
  readonly signal?: AbortSignal;
  /** Fails the call after this; default: none beyond the signal. */
  readonly timeoutMs?: number;
  readonly user?: string;
}

export interface ExecResult { readonly code: number; readonly stderr: string }

/** Keeps the last STDERR_KEEP bytes written to it. */
function boundedSink(): { sink: Writable; text(): string } {
  let buf = Buffer.alloc(0);
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > STDERR_KEEP) buf = buf.subarray(buf.length - STDERR_KEEP);
      cb();
    },
  });
  return { sink, text: () => buf.toString('utf8') };
}

function deadline(opts: ExecOptions, what: string): { signal: AbortSignal; done(): void } {
  const ctl = new AbortController();
  const timer = opts.timeoutMs ? setTimeout(() => ctl.abort(new BerthError('exec_timeout', `${what} took longer than ${Math.round(opts.timeoutMs! / 1000)} s`)), opts.timeoutMs) : undefined;
  const onAbort = () => ctl.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  return { signal: ctl.signal, done: () => { if (timer) clearTimeout(timer); opts.signal?.removeEventListener('abort', onAbort); } };
}

/** Pipes a hijacked stream's two directions; resolves when the output ends. */
function pump(docker: Docker, stream: NodeJS.ReadWriteStream, opts: ExecOptions, stderr: Writable, signal: AbortSignal): Promise<void> {
  const stdout = opts.stdout ?? new PassThrough().resume();
  return new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => { (stream as unknown as { destroy(): void }).destroy(); reject(err); };
    if (signal.aborted) return fail(signal.reason);
    signal.addEventListener('abort', () => fail(signal.reason), { once: true });
    docker.modem.demuxStream(stream, stdout as Writable, stderr);
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', fail);
    (stdout as Writable).on?.('error', fail);
    if (opts.stdin) {
      opts.stdin.on('error', fail);
      opts.stdin.pipe(stream as unknown as Writable, { end: false });
      // Half-close: the command sees EOF on stdin while its output still flows.
      opts.stdin.on('end', () => (stream as unknown as { end(): void }).end());
    }
  });
}

export async function execIn(docker: Docker, container: string, cmd: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const limit = deadline(opts, `${cmd[0]} in ${container}`);
  try {
    const exec = await docker.getContainer(container).exec({
      Cmd: [...cmd], AttachStdout: true, AttachStderr: true, AttachStdin: !!opts.stdin, Tty: false, ...(opts.user ? { User: opts.user } : {}),
    });
    const stream = await exec.start({ hijack: true, stdin: !!opts.stdin });
    const err = boundedSink();
    await pump(docker, stream, opts, err.sink, limit.signal);
    const info = await exec.inspect();
    return { code: info.ExitCode ?? -1, stderr: err.text() };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 409) {
      throw new BerthError('service_not_running', `${container} is not running`, { hint: 'start it with services:restart' });
    }
    throw err;
  } finally {
    limit.done();
  }
}

export interface VolumeRunSpec {
  readonly name: string;
  readonly image: string;
  readonly volume: string;
  readonly mountPath: string;
  readonly labels: Record<string, string>;
  readonly user: string;
  readonly memoryBytes: number;
}

/** A throwaway container of `image` with `volume` at `mountPath`, no network; removed afterwards. */
export async function runWithVolume(docker: Docker, spec: VolumeRunSpec, cmd: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const limit = deadline(opts, `${cmd[0]} on ${spec.volume}`);
  const c = await docker.createContainer({
    name: spec.name, Image: spec.image, Cmd: [...cmd], User: spec.user, Labels: spec.labels,
    AttachStdout: true, AttachStderr: true, AttachStdin: !!opts.stdin, OpenStdin: !!opts.stdin, StdinOnce: !!opts.stdin, Tty: false,
    HostConfig: {
      NetworkMode: 'none', Binds: [`${spec.volume}:${spec.mountPath}`], Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes,
      CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], PidsLimit: 256, Init: true,
    },
  });
  try {
    const stream = await c.attach({ stream: true, stdout: true, stderr: true, stdin: !!opts.stdin, hijack: true });
    const err = boundedSink();
    const done = pump(docker, stream, opts, err.sink, limit.signal);
    await c.start();
    await done;
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    return { code: StatusCode, stderr: err.text() };
  } finally {
    limit.done();
    await c.remove({ force: true }).catch(() => {});
  }
}
