// Container and image primitives the schedulers need. Removal refuses any
// object without Berth's labels, so a bug here cannot delete a user's own
// containers or images.
import type Dockerode from 'dockerode';
import { BerthError } from '../shared/errors.js';
import type { Docker } from './client.js';
import { limitedHostConfig, type ContainerLimits } from './hardening.js';
import { isBerthOwned, LABEL } from './labels.js';
import { launchProcess } from '../shared/launcher.js';

export interface RunSpec extends ContainerLimits {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly labels: Record<string, string>;
  /** Shell command; undefined keeps the image's CMD. */
  readonly command?: string;
  /** Container port to publish on 127.0.0.1 at a random host port. */
  readonly port?: number;
}

export interface ContainerView {
  readonly id: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly state: string;
  readonly ip: string | undefined;
  readonly env: Record<string, string>;
  readonly startedAt: string;
  readonly restartCount: number;
  readonly exitCode: number;
  /** From the container's State: the kernel killed it for going over its memory limit. */
  readonly oomKilled: boolean;
  /** Its memory limit (HostConfig.Memory), 0 for none. */
  readonly memoryBytes: number;
}

export async function runContainer(docker: Docker, spec: RunSpec): Promise<string> {
  const exposed = spec.port ? { [`${spec.port}/tcp`]: {} } : undefined;
  const launch = spec.command ? launchProcess(spec.labels[LABEL.process] ?? 'process', spec.command) : undefined;
  const container = await docker.createContainer({
    name: spec.name,
    Image: spec.image,
    // With Init on, tini is PID 1; this makes it pass SIGTERM to the whole
    // process group, so a Procfile command behind `sh -c` stops gracefully.
    Env: Object.entries({ TINI_KILL_PROCESS_GROUP: '1', ...spec.env, ...launch?.env }).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels,
    // bash, as Heroku: it execs a single command instead of staying its
    // parent, so the group SIGTERM cannot end the container (via a dead
    // shell) before the process's own handler has run. dash does not.
    // The command itself is not in the arguments (shared/launcher.ts).
    Cmd: launch?.cmd,
    ExposedPorts: exposed,
    HostConfig: {
      // Published on loopback only: the router is the public entry point.
      PortBindings: spec.port ? { [`${spec.port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] } : undefined,
      // Docker backs off exponentially between restarts of a crashing process.
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 0 },
      ...(await limitedHostConfig(docker, spec)),
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    },
  });
  await container.start();
  return container.id;
}

function envMap(env: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export async function inspectContainer(docker: Docker, id: string): Promise<ContainerView | undefined> {
  let info: Dockerode.ContainerInspectInfo;
  try {
    info = await docker.getContainer(id).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
  // The app network's address first: that is where the router reaches it.
  const nets = Object.entries(info.NetworkSettings.Networks ?? {})
    .sort(([a], [b]) => Number(b.startsWith('berth-app-')) - Number(a.startsWith('berth-app-'))).map(([, n]) => n);
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    labels: info.Config.Labels ?? {},
    state: info.State.Status,
    ip: nets.find((n) => n.IPAddress)?.IPAddress || undefined,
    env: envMap(info.Config.Env),
    startedAt: info.State.StartedAt,
    restartCount: info.RestartCount,
    exitCode: info.State.ExitCode,
    oomKilled: info.State.OOMKilled === true,
    memoryBytes: info.HostConfig?.Memory ?? 0,
  };
}

/** Containers carrying all the given label filters (`key=value`). */
export async function listContainers(docker: Docker, labels: string[], all = false): Promise<ContainerView[]> {
  const found = await docker.listContainers({ all, filters: { label: labels } });
  const views = await Promise.all(found.map((c) => inspectContainer(docker, c.Id)));
  return views.filter((v): v is ContainerView => v !== undefined);
}

export async function stopAndRemove(docker: Docker, id: string, timeoutSec: number): Promise<void> {
  const c = docker.getContainer(id);
  const info = await inspectContainer(docker, id);
  if (!info) return;
  if (!isBerthOwned(info.labels)) throw new BerthError('not_berth_owned', `refusing to remove container ${id}: it has no ${LABEL.app} label`);
  await c.stop({ t: timeoutSec }).catch(ignoreGone);
  // v: an image's VOLUMEs become anonymous volumes no later container uses; without it every redeploy leaves one behind.
  await c.remove({ force: true, v: true }).catch(ignoreGone);
}

function ignoreGone(err: { statusCode?: number }): void {
  // 304: already stopped; 404: already gone; 409: removal already in progress.
  if (err.statusCode === 304 || err.statusCode === 404 || err.statusCode === 409) return;
  throw err;
}

export async function tailLogs(docker: Docker, id: string, lines: number): Promise<string[]> {
  try {
    const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demux(buf).split('\n').filter((l) => l.length > 0);
  } catch {
    return [];
  }
}

/** Strips Docker's 8-byte stream headers from a non-TTY log buffer. */
export function demux(buf: Buffer): string {
  const parts: string[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2) && buf[i + 1] === 0) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len).toString('utf8'));
    i += 8 + len;
  }
  return i === 0 ? buf.toString('utf8') : parts.join('');
}

export interface ImageView {
  readonly id: string;
  readonly exposedPorts: number[];
  readonly labels: Record<string, string>;
  /** Bytes on disk, its parents' layers included. */
  readonly size: number;
  /** It has a CMD or an ENTRYPOINT: a container of it can start with no command given. */
  readonly hasCommand: boolean;
}

export async function inspectImage(docker: Docker, ref: string): Promise<ImageView | undefined> {
  try {
    const info = await docker.getImage(ref).inspect();
    const ports = Object.keys(info.Config?.ExposedPorts ?? {})
      .filter((p) => p.endsWith('/tcp'))
      .map((p) => Number(p.split('/')[0]));
    const hasCommand = (info.Config?.Cmd?.length ?? 0) > 0 || (info.Config?.Entrypoint?.length ?? 0) > 0;
    return { id: info.Id, exposedPorts: ports, labels: info.Config?.Labels ?? {}, size: info.Size ?? 0, hasCommand };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

export async function tagImage(docker: Docker, source: string, repo: string, tag: string): Promise<void> {
  await docker.getImage(source).tag({ repo, tag });
}

/** Removes a Berth image tag; refuses images without Berth's labels. */
export async function removeImage(docker: Docker, ref: string): Promise<void> {
  const img = await inspectImage(docker, ref);
  if (!img) return;
  if (!isBerthOwned(img.labels)) throw new BerthError('not_berth_owned', `refusing to remove image ${ref}: it has no ${LABEL.app} label`);
  await docker.getImage(ref).remove({ noprune: false }).catch(ignoreGone);
}

/** Stops a Berth container without removing it (a stop-first deploy), so it can be started again if the new release fails. */
export async function stopContainer(docker: Docker, id: string, timeoutSec: number): Promise<void> {
  const info = await inspectContainer(docker, id);
  if (!info) return;
  if (!isBerthOwned(info.labels)) throw new BerthError('not_berth_owned', `refusing to stop container ${id}: it has no ${LABEL.app} label`);
  await docker.getContainer(id).stop({ t: timeoutSec }).catch(ignoreGone);
}

export async function startContainer(docker: Docker, id: string): Promise<void> {
  await docker.getContainer(id).start().catch(ignoreGone);
}
