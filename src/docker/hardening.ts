// The security settings every app and one-off container gets (README
// "Isolation"). An image that runs as a non-root USER (every buildpack slug
// runs as `app`) loses all capabilities: a non-root process cannot use them,
// and no-new-privileges stops it from gaining them through setuid or file
// capabilities. A root image (a Dockerfile without USER) keeps only what
// images that drop root themselves (gosu, su-exec, nginx) need.
import type { Docker } from './client.js';
import type { DockerMount } from './storage.js';

/** Of Docker's default set, what a web app never needs. */
export const ROOT_IMAGE_CAP_DROP = ['NET_RAW', 'MKNOD', 'SYS_CHROOT', 'AUDIT_WRITE', 'SETFCAP'] as const;

/** Fallback when a caller gives no pids limit (BERTH_APP_PIDS_LIMIT's default). */
export const DEFAULT_PIDS_LIMIT = 512;

export interface Hardening {
  readonly CapDrop: string[];
  readonly SecurityOpt: string[];
  readonly Privileged: false;
  readonly ReadonlyRootfs: false;
}

export function runsAsRoot(user: string | undefined): boolean {
  const name = (user ?? '').split(':')[0] ?? '';
  return name === '' || name === '0' || name === 'root';
}

export async function hardeningFor(docker: Docker, image: string): Promise<Hardening> {
  const info = await docker.getImage(image).inspect().catch(() => undefined);
  // An image that cannot be inspected is treated as root; the create call
  // that follows reports the real problem.
  const root = runsAsRoot(info?.Config?.User);
  return {
    CapDrop: root ? [...ROOT_IMAGE_CAP_DROP] : ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    Privileged: false,
    ReadonlyRootfs: false,
  };
}

/** The limits every app, one-off and service container runs with. */
export interface ContainerLimits {
  readonly image: string;
  readonly memoryBytes: number;
  readonly cpus?: number;
  readonly pidsLimit?: number;
  /** The app's own network (networks.ts); unset: Docker's default bridge. */
  readonly network?: string;
  /** Storage mounts (storage.ts), already resolved and checked. */
  readonly mounts?: readonly DockerMount[];
}

/**
 * The HostConfig those limits and the hardening make, in one place for app
 * processes, one-offs and services, so a limit added here reaches them all.
 * Swap is set equal to memory: a container over its limit is killed, not
 * slowed down by swapping. tini (Init) is PID 1 and passes signals on.
 */
export async function limitedHostConfig(docker: Docker, l: ContainerLimits) {
  return {
    Memory: l.memoryBytes,
    MemorySwap: l.memoryBytes,
    NanoCpus: l.cpus ? Math.round(l.cpus * 1e9) : undefined,
    PidsLimit: l.pidsLimit || DEFAULT_PIDS_LIMIT,
    NetworkMode: l.network,
    Mounts: l.mounts?.length ? [...l.mounts] : undefined,
    ...(await hardeningFor(docker, l.image)),
    Init: true,
  };
}
