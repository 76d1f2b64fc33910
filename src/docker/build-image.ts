// Builds an image from a tar build context through the Engine API with
// BuildKit, streaming each output line. BuildKit applies labels without the
// extra container per label the classic builder makes, and skips unused
// stages. dockerode's progress helper reports success even when a step
// failed, so every event is checked for an error here.
import { createReadStream } from 'node:fs';
import { BerthError } from '../shared/errors.js';
import { buildkitDecoder } from './buildkit-status.js';
import type { Docker } from './client.js';
import { lineSplitter } from '../shared/line-splitter.js';

export interface BuildImageInput {
  readonly contextTar: string;
  readonly tag: string;
  readonly labels: Record<string, string>;
  readonly memoryBytes: number;
  readonly timeoutMs: number;
  readonly buildArgs?: Record<string, string>;
  readonly onLine: (line: string) => void;
}

interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  id?: string;
  aux?: { ID?: string } | string;
}

export async function buildImage(docker: Docker, input: BuildImageInput): Promise<string> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), input.timeoutMs);
  try {
    const stream = await docker.buildImage(createReadStream(input.contextTar) as unknown as NodeJS.ReadableStream, {
      t: input.tag,
      labels: input.labels,
      rm: true,
      forcerm: true,
      buildargs: input.buildArgs,
      abortSignal: abort.signal,
      version: '2',
    } as Parameters<Docker['buildImage']>[1]);
    return await readBuildStream(stream, input.onLine, input.memoryBytes);
  } catch (err) {
    if (abort.signal.aborted) {
      throw new BerthError('build_timeout', `the Docker build took longer than ${Math.round(input.timeoutMs / 1000)} s and was stopped`,
        { hint: 'make the build faster, or raise BERTH_BUILD_TIMEOUT_SEC on the server' });
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function readBuildStream(stream: NodeJS.ReadableStream, onLine: (line: string) => void, memoryBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let imageId = '';
    let failed: string | undefined;
    const decode = buildkitDecoder();
    const handle = (ev: BuildEvent) => {
      if (ev.error || ev.errorDetail) failed = ev.errorDetail?.message || ev.error || 'unknown build error';
      if (ev.id === 'moby.buildkit.trace' && typeof ev.aux === 'string') {
        for (const l of decode(ev.aux)) onLine(l);
        return;
      }
      if (typeof ev.aux === 'object' && ev.aux.ID) imageId = ev.aux.ID;
      const text = ev.stream ?? (ev.status ? ev.status : '');
      for (const l of text.split('\n')) if (l.trim()) onLine(l);
    };
    const lines = lineSplitter((line) => {
      const raw = line.trim();
      if (!raw) return;
      try { handle(JSON.parse(raw) as BuildEvent); } catch { onLine(raw); }
    });
    stream.on('data', (chunk: Buffer) => lines.push(chunk));
    stream.on('error', reject);
    stream.on('end', () => {
      lines.end();
      if (failed) {
        // 137 = SIGKILL, which inside a build almost always means the OOM killer.
        const oom = /exit code: 137\b/.test(failed);
        const refused = refusedStep(failed);
        if (refused) return reject(refused);
        reject(new BerthError(oom ? 'build_out_of_memory' : 'dockerfile_build_failed', `the Docker build failed: ${failed.trim()}`, {
          hint: oom
            ? `exit code 137 means the step was killed, usually for using more than the build memory limit (${Math.round(memoryBytes / 1048576)} MiB); use less, or raise BERTH_BUILD_MEMORY_MB on the server`
            : 'fix the failing Dockerfile step shown above, commit, and push again',
        }));
      } else if (!imageId) {
        reject(new BerthError('dockerfile_build_failed', 'the Docker build ended without producing an image'));
      } else resolve(imageId);
    });
  });
}

// Berth's build call asks for no entitlement (network.host,
// security.insecure) and cannot pull a `# syntax=` frontend, so host
// networking and privileged RUN steps fail; this says so plainly.
function refusedStep(failed: string): BerthError | undefined {
  const flag = /Unknown flag: (network|security)\b/i.exec(failed)?.[1]?.toLowerCase()
    ?? (/network\.host|entitlement.*network/i.test(failed) ? 'network' : /security\.insecure|entitlement.*insecure/i.test(failed) ? 'security' : undefined);
  if (flag) {
    const what = flag === 'network' ? 'host networking (RUN --network=host)' : 'privileged build steps (RUN --security=insecure)';
    return new BerthError('dockerfile_step_refused', `the Docker build failed: Berth builds never get ${what}`,
      { hint: `remove --${flag}=... from the RUN line in the Dockerfile, commit, and push again` });
  }
  if (/frontend gateway|dockerfile\/(manifests|dockerfile)/i.test(failed)) {
    return new BerthError('dockerfile_frontend_unavailable', 'the Docker build failed: the `# syntax=` frontend image cannot be pulled on this server',
      { hint: 'remove the `# syntax=` line at the top of the Dockerfile to use the built-in frontend, commit, and push again' });
  }
  // Secret and SSH mounts ask the client's session, and a git push has none. BuildKit says
  // so in more than one way: after a wait, only "no active session"; or at once, that
  // the key or secret was not forwarded (seen while other builds ran on the engine).
  if (/no active session|no SSH key .* forwarded from the client|secret \S+ not found/i.test(failed)) {
    return new BerthError('dockerfile_mount_refused', 'the Docker build failed: a RUN --mount=type=secret or --mount=type=ssh step needs a secret or an SSH agent from the client, which a git push cannot send',
      { hint: 'remove the mount from the Dockerfile: build steps get what they need from files in the repo, and the app gets secrets from config vars at run time' });
  }
  // COPY, ADD and bind mounts read the build context; a path outside it surfaces as a cache-key error naming BuildKit's temp dirs.
  if (/failed to compute cache key/i.test(failed) && /not found|no such file or directory/i.test(failed)) {
    const missing = /"([^"]+)": not found/.exec(failed)?.[1] ?? /buildkit-mount\d+(\/[^:\s]*)/.exec(failed)?.[1];
    return new BerthError('dockerfile_path_missing', `the Docker build failed: a COPY, ADD or RUN --mount=type=bind names ${missing ? `"${missing}", ` : 'a path '}which is not in the pushed repository`,
      { hint: 'these read from the repository (the build context), never from the server: commit the file, or fix the path, and push again' });
  }
  return undefined;
}
