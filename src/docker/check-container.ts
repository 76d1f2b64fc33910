// A throwaway container that reads a stream on its stdin and says whether it
// is sound: how a written backup is checked (pg_restore, redis-check-rdb)
// in the kind's own image, with no network, hardened and capped like a
// one-off, and removed afterwards. Its output is kept up to a bound.
import { PassThrough, Writable, type Duplex, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Docker } from './client.js';
import { hardeningFor } from './hardening.js';

export interface CheckSpec {
  readonly image: string;
  readonly cmd: readonly string[];
  readonly input: Readable;
  readonly labels: Record<string, string>;
  readonly memoryBytes: number;
  readonly signal?: AbortSignal;
}

export interface CheckResult { readonly code: number; readonly stdout: string; readonly stderr: string }

const KEEP_BYTES = 64 * 1024;

export async function runCheckContainer(docker: Docker, spec: CheckSpec): Promise<CheckResult> {
  const container = await docker.createContainer({
    Image: spec.image,
    Cmd: [...spec.cmd],
    Labels: spec.labels,
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    NetworkDisabled: true,
    HostConfig: { Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes, PidsLimit: 64, NetworkMode: 'none', ...(await hardeningFor(docker, spec.image)) },
  });
  const kill = () => { void container.kill().catch(() => {}); };
  spec.signal?.addEventListener('abort', kill, { once: true });
  try {
    const stream = await container.attach({ stream: true, hijack: true, stdin: true, stdout: true, stderr: true });
    const out = capped();
    const err = capped();
    container.modem.demuxStream(stream, out.sink, err.sink);
    await container.start();
    // The checker may exit before reading all of stdin (a bad header): that is its answer, not an error here.
    const fed = pipeline(spec.input, new PassThrough(), stream).catch(() => undefined);
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    await Promise.race([fed, new Promise((r) => setTimeout(r, 1000))]);
    (stream as unknown as Duplex).destroy();
    spec.input.destroy();
    if (spec.signal?.aborted) throw new Error('the check was stopped at its deadline');
    return { code: StatusCode, stdout: out.text(), stderr: err.text() };
  } finally {
    spec.signal?.removeEventListener('abort', kill);
    await container.remove({ force: true, v: true }).catch(() => {});
  }
}

/** A sink that keeps the first KEEP_BYTES and drops the rest. */
function capped(): { sink: Writable; text(): string } {
  const parts: Buffer[] = [];
  let kept = 0;
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      if (kept < KEEP_BYTES) { parts.push(chunk.subarray(0, KEEP_BYTES - kept)); kept += Math.min(chunk.length, KEEP_BYTES - kept); }
      cb();
    },
  });
  return { sink, text: () => Buffer.concat(parts).toString('utf8') };
}
