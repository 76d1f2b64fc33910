// The security settings every app and one-off container gets (README
// "Isolation"). An image that runs as a non-root USER (every buildpack slug
// runs as `app`) loses all capabilities: a non-root process cannot use them,
// and no-new-privileges stops it from gaining them through setuid or file
// capabilities. A root image (a Dockerfile without USER) keeps only what
// images that drop root themselves (gosu, su-exec, nginx) need.
import type { Docker } from './client.js';

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
