// A one-off whose file changes are kept (app.json's scripts.dokku.predeploy,
// as Dokku runs it): the command runs in a container of `image`, and if it
// exits 0 the container is committed as `target`, with the image's own
// config (CMD, ENTRYPOINT, env, labels, user, workdir), not the one-off's.
//
// The command is run with `docker exec` in a parked container rather than as
// its main process: exec's env never enters the container's config, which
// docker commit copies into the image (Config, and ContainerConfig on Engine
// 20.10), so the app's config vars (secrets) stay out of the image. Docker
// adds the container's labels the image lacks; release images already carry
// all four berth.* labels from their build, so theirs stay as they were.
import { PassThrough } from 'node:stream';
import type { Docker } from './client.js';
import { DEFAULT_PIDS_LIMIT, hardeningFor } from './hardening.js';
import type { OneOffSpec } from './one-off.js';

/** A one-off's container settings (one-off.ts), without `detach`: this one always waits. */
export interface CommitRunSpec extends Omit<OneOffSpec, 'detach'> {
  /** `repo:tag` to commit to; may be `image` itself, which then moves to the new image. */
  readonly target: string;
  /** How long the parked container lives at most: a server that dies mid-run leaves nothing for longer. */
  readonly maxSec: number;
}

export async function runAndCommit(docker: Docker, spec: CommitRunSpec): Promise<{ code: number }> {
  const { Config: imageConfig } = await docker.getImage(spec.image).inspect();
  const entrypoint = imageConfig.Entrypoint ? [imageConfig.Entrypoint].flat() : [];
  // Parks the container until the exec is done; AutoRemove cleans up after a crash of ours.
  const park = `exec sleep ${Math.ceil(spec.maxSec)}`;
  const container = await docker.createContainer({
    name: spec.name,
    Image: spec.image,
    // Only an image with an ENTRYPOINT needs it replaced: commit restores it.
    ...(entrypoint.length ? { Entrypoint: ['/bin/sh', '-c'], Cmd: [park] } : { Cmd: ['/bin/sh', '-c', park] }),
    Labels: spec.labels,
    HostConfig: {
      ...(await hardeningFor(docker, spec.image)),
      AutoRemove: true, Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes, Init: true,
      NanoCpus: spec.cpus ? Math.round(spec.cpus * 1e9) : undefined,
      PidsLimit: spec.pidsLimit ?? DEFAULT_PIDS_LIMIT,
      NetworkMode: spec.network,
      // Storage mounts are seen by the command; docker commit never copies a mount's files into the image.
      Mounts: spec.mounts?.length ? [...spec.mounts] : undefined,
    },
  });
  try {
    await container.start();
    // Through the image's entrypoint (a buildpack slug's launcher sources
    // .profile.d), as the app's processes and `berth run` are.
    const code = await execStreaming(container, [...entrypoint, '/bin/sh', '-c', spec.command], spec);
    if (code !== 0) return { code };
    // Paused for the commit, so the files are read at rest; only the park is left running.
    const [repo, tag] = splitRef(spec.target);
    await container.commit({ _query: { container: container.id, repo, tag, pause: true }, _body: imageConfig });
    return { code };
  } finally {
    await container.remove({ force: true, v: true }).catch(() => {});
  }
}

type Container = ReturnType<Docker['getContainer']>;

async function execStreaming(container: Container, cmd: string[], spec: CommitRunSpec): Promise<number> {
  const exec = await container.exec({
    Cmd: cmd,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  out.on('data', (d: Buffer) => spec.onOutput?.('stdout', d.toString('utf8')));
  err.on('data', (d: Buffer) => spec.onOutput?.('stderr', d.toString('utf8')));
  container.modem.demuxStream(stream, out, err);
  const kill = () => { void container.kill().catch(() => {}); };
  spec.signal?.addEventListener('abort', kill, { once: true });
  if (spec.signal?.aborted) kill(); // the deadline passed while the container was starting
  try {
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
  } finally {
    spec.signal?.removeEventListener('abort', kill);
  }
  // A killed (and so auto-removed) container leaves the exec without a code.
  const { ExitCode } = await exec.inspect().catch(() => ({ ExitCode: null }));
  return typeof ExitCode === 'number' ? ExitCode : 137;
}

function splitRef(ref: string): [string, string] {
  const at = ref.lastIndexOf(':');
  return at > ref.lastIndexOf('/') ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, 'latest'];
}
