// Throwaway build containers and the images made from them, for buildpack
// builds:
//   create (limits, no Docker socket, no capabilities) -> put files in
//   (putArchive) -> run to the end, output streamed, killed at the timeout
//   -> read results back (getArchive) -> remove.
// commitImage turns a container of another image plus copied-in files into
// a new image (docker commit), which is cheaper than a build for a slug.
import { PassThrough } from 'node:stream';
import type { Docker } from './client.js';
import { LABEL } from './labels.js';
import { lineSplitter } from '../shared/line-splitter.js';

export interface BuildContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** uid:gid; the container never runs as root. */
  readonly user: string;
  readonly workingDir: string;
  /** Volume name -> mount point. */
  readonly volumes: Readonly<Record<string, string>>;
  readonly memoryBytes: number;
  readonly cpus: number;
  readonly pidsLimit: number;
  /** The app's own network (networks.ts), walled off from the host; unset: Docker's default bridge. */
  readonly network?: string;
}

export interface BuildRun {
  readonly exitCode: number;
  readonly timedOut: boolean;
  readonly oomKilled: boolean;
}

export type Content = Buffer | NodeJS.ReadableStream;

export interface BuildContainer {
  readonly id: string;
  /** Extracts a tar at `path`, which must exist (volumes included). */
  put(tar: Content, path: string): Promise<void>;
  run(timeoutMs: number, onLine: (line: string) => void): Promise<BuildRun>;
  /** A tar of `path`; `dir/.` gives the directory's content without its name. */
  get(path: string): Promise<NodeJS.ReadableStream>;
  remove(): Promise<void>;
}

export async function createBuildContainer(docker: Docker, spec: BuildContainerSpec): Promise<BuildContainer> {
  const container = await docker.createContainer({
    name: spec.name,
    Image: spec.image,
    Cmd: [...spec.command],
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...spec.labels },
    User: spec.user,
    WorkingDir: spec.workingDir,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    HostConfig: {
      Mounts: Object.entries(spec.volumes).map(([Source, Target]) => ({ Type: 'volume' as const, Source, Target })),
      Memory: spec.memoryBytes,
      MemorySwap: spec.memoryBytes,
      NanoCpus: Math.round(spec.cpus * 1e9),
      PidsLimit: spec.pidsLimit,
      NetworkMode: spec.network,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      LogConfig: { Type: 'none', Config: {} },
    },
  });
  return {
    id: container.id,
    put: async (tar, path) => { await container.putArchive(tar as never, { path }); },
    get: (path) => container.getArchive({ path }) as unknown as Promise<NodeJS.ReadableStream>,
    run: (timeoutMs, onLine) => runToEnd(container, timeoutMs, onLine),
    remove: async () => { await container.remove({ force: true, v: true }).catch(() => {}); },
  };
}

type DockerContainer = ReturnType<Docker['getContainer']>;

async function runToEnd(container: DockerContainer, timeoutMs: number, onLine: (line: string) => void): Promise<BuildRun> {
  // Attach before start so not a byte of output is missed.
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const flushers = [lineSplitter(onLine), lineSplitter(onLine)];
  const [out, err] = flushers.map((s) => {
    const p = new PassThrough();
    p.on('data', (d: Buffer) => s.push(d));
    return p;
  }) as [PassThrough, PassThrough];
  container.modem.demuxStream(stream, out, err);
  const ended = new Promise<void>((resolve) => { stream.on('end', () => resolve()); stream.on('close', () => resolve()); });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; void container.kill().catch(() => {}); }, timeoutMs);
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    await Promise.race([ended, new Promise((r) => setTimeout(r, 1000))]);
    for (const s of flushers) s.end();
    const state = (await container.inspect()).State;
    return { exitCode: StatusCode, timedOut, oomKilled: !!state.OOMKilled };
  } finally {
    clearTimeout(timer);
    (stream as unknown as { destroy?: () => void }).destroy?.();
  }
}

/**
 * Removes the app's build containers. Builds of one app never overlap (the
 * app lease), so any found before a build were left by a server that died.
 */
export async function removeStaleBuildContainers(docker: Docker, app: string): Promise<number> {
  const found = await docker.listContainers({ all: true, filters: { label: [`${LABEL.app}=${app}`, `${LABEL.role}=build`] } });
  await Promise.all(found.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {})));
  return found.length;
}

/** A build container's name, `berth-<app>-build-<build id>`, gives its build. */
export const buildContainerName = (app: string, buildId: string) => `berth-${app}-build-${buildId}`;
const BUILD_ID_IN_NAME = /-build-([0-9a-z]+-[0-9a-f]{8})$/;

/** The build containers on this Docker host, with their build and age. */
export async function listBuildContainers(docker: Docker): Promise<{ id: string; buildId: string; createdMs: number }[]> {
  const found = await docker.listContainers({ all: true, filters: { label: [`${LABEL.role}=build`] } });
  return found.flatMap((c) => {
    const buildId = c.Names.map((n) => BUILD_ID_IN_NAME.exec(n)?.[1]).find(Boolean);
    return buildId ? [{ id: c.Id, buildId, createdMs: c.Created * 1000 }] : [];
  });
}

export async function removeBuildContainer(docker: Docker, id: string): Promise<void> {
  await docker.getContainer(id).remove({ force: true, v: true });
}

export interface ImageConfig {
  readonly user: string;
  readonly workingDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
}

export interface ImageCommit {
  readonly from: string;
  readonly repo: string;
  readonly tag: string;
  readonly config: ImageConfig;
  /** Extracted in order; a function so a stream is opened only when needed. */
  readonly contents: readonly { readonly path: string; readonly tar: () => Promise<Content> }[];
}

/** `from` + contents -> repo:tag, through a container that never starts. */
export async function commitImage(docker: Docker, spec: ImageCommit): Promise<string> {
  const { config } = spec;
  const container = await docker.createContainer({
    Image: spec.from,
    User: config.user,
    WorkingDir: config.workingDir,
    Env: Object.entries(config.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...config.labels },
    Entrypoint: config.entrypoint ? [...config.entrypoint] : undefined,
    Cmd: config.cmd ? [...config.cmd] : undefined,
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    for (const c of spec.contents) await container.putArchive((await c.tar()) as never, { path: c.path });
    // The image takes the container's config: user, env, labels, entrypoint, cmd.
    const { Id } = (await container.commit({ repo: spec.repo, tag: spec.tag, pause: false })) as { Id: string };
    return Id;
  } finally {
    await container.remove({ force: true, v: true }).catch(() => {});
  }
}

/** Tags of `repo` (e.g. berth/app-web) that start with `prefix`. */
export async function repoTags(docker: Docker, repo: string, prefix: string): Promise<string[]> {
  const images = await docker.listImages({ filters: { reference: [repo] } });
  return images.flatMap((img) => img.RepoTags ?? []).filter((t) => t.startsWith(`${repo}:${prefix}`));
}
