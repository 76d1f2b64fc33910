// One-off containers (`run`, the release phase): output streamed as it
// comes, the exit code passed back, the container removed afterwards.
import { PassThrough } from 'node:stream';
import type { Docker } from './client.js';
import { limitedHostConfig, type ContainerLimits } from './hardening.js';

export interface OneOffSpec extends ContainerLimits {
  readonly name: string;
  readonly command: string;
  readonly env: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly detach: boolean;
  readonly onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  readonly signal?: AbortSignal;
}

export async function runOneOff(docker: Docker, spec: OneOffSpec): Promise<{ code: number } | { name: string }> {
  const container = await docker.createContainer({
    name: spec.name,
    Image: spec.image,
    Cmd: ['/bin/sh', '-c', spec.command],
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels,
    AttachStdout: !spec.detach,
    AttachStderr: !spec.detach,
    Tty: false,
    HostConfig: {
      AutoRemove: spec.detach,
      ...(await limitedHostConfig(docker, spec)),
    },
  });
  if (spec.detach) {
    await container.start();
    return { name: spec.name };
  }
  try {
    // Attach before start so not a byte of output is missed.
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = new PassThrough();
    const err = new PassThrough();
    out.on('data', (d: Buffer) => spec.onOutput?.('stdout', d.toString('utf8')));
    err.on('data', (d: Buffer) => spec.onOutput?.('stderr', d.toString('utf8')));
    container.modem.demuxStream(stream, out, err);
    const ended = new Promise<void>((resolve) => { stream.on('end', () => resolve()); stream.on('close', () => resolve()); });
    const kill = () => { void container.kill().catch(() => {}); };
    spec.signal?.addEventListener('abort', kill, { once: true });
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    await Promise.race([ended, new Promise((r) => setTimeout(r, 1000))]);
    spec.signal?.removeEventListener('abort', kill);
    return { code: StatusCode };
  } finally {
    await container.remove({ force: true, v: true }).catch(() => {});
  }
}
