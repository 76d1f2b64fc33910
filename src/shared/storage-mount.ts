// Storage mounts, the pure rules (Dokku's `storage:mount <app> <source>:<path>`):
//   spec -> parseMountSpec -> { kind, source, target }, checked against
//   the storage root, the Docker socket and a short deny list of container
//   paths. The filesystem checks (realpath) live in src/docker/storage.ts.
// A bare name is a Docker volume Berth owns; an absolute path is a host
// directory, and only one under the storage root is ever accepted.
import { fail, type ErrorCode } from './errors.js';

export type MountKind = 'volume' | 'dir';

export interface StorageMount {
  readonly kind: MountKind;
  /** A volume's short name (`uploads`), or a host directory's absolute path. */
  readonly source: string;
  /** Absolute path inside the container. */
  readonly target: string;
  /** Process types it applies to; unset: all of them (one-offs always get every mount). */
  readonly processes?: readonly string[];
}

/** `berth-storage-<app>-<name>`: the Docker volume behind a bare name. */
export const storageVolumeName = (app: string, name: string) => `berth-storage-${app}-${name}`;

/** The spec a user types, and the key a mount is stored and removed under. */
export const mountKey = (m: Pick<StorageMount, 'source' | 'target'>) => `${m.source}:${m.target}`;

const VOLUME_NAME = /^[a-z0-9][a-z0-9_.-]{0,39}$/;
const DIR_NAME = VOLUME_NAME;
const SAFE_PATH = /^\/[A-Za-z0-9_./@+-]*$/;
const PROCESS_TYPE = /^[a-z][a-z0-9_-]{0,29}$/;

/**
 * Container paths a mount may not cover: shadowing them breaks the container
 * (`/`, `/proc`, `/sys`, `/dev`) or replaces the system it runs on. The
 * prefixes also refuse anything under them; `/app` itself holds a buildpack
 * app's code, but a directory under it (`/app/uploads`) is the usual place.
 */
export const DENIED_TARGET_PREFIXES = ['/proc', '/sys', '/dev', '/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/usr', '/boot', '/run', '/var/run'] as const;
export const DENIED_TARGETS = ['/', '/app', '/var'] as const;

/** The Docker socket, by any of its usual names. */
const DOCKER_SOCKET = /(^|\/)docker\.sock$/;

const TARGET_HINT = 'mount under a directory of your own, e.g. /app/uploads or /data';

function refuse(code: ErrorCode, message: string, hint: string): never {
  throw fail(code, message, hint);
}

export function checkTarget(target: string): string {
  if (!target.startsWith('/')) refuse('invalid_mount_path', `the container path "${target}" is not absolute`, TARGET_HINT);
  if (!SAFE_PATH.test(target) || target.length > 200) {
    refuse('invalid_mount_path', `the container path "${target}" has characters a mount path may not have`, 'use letters, digits and / _ . - only, at most 200 characters');
  }
  if (target.split('/').some((s) => s === '..' || s === '.')) refuse('invalid_mount_path', `the container path "${target}" contains "." or ".."`, TARGET_HINT);
  const clean = target.replace(/\/{2,}/g, '/').replace(/(.)\/+$/, '$1');
  const covers = DENIED_TARGET_PREFIXES.find((p) => clean === p || clean.startsWith(`${p}/`));
  if ((DENIED_TARGETS as readonly string[]).includes(clean) || covers) {
    refuse('mount_path_denied', `mounting over ${covers ?? clean} would hide files the container needs`,
      `${TARGET_HINT}; refused: ${DENIED_TARGETS.join(' ')} and anything under ${DENIED_TARGET_PREFIXES.join(' ')}`);
  }
  return clean;
}

/** Checks a host directory against the storage root by its text; the realpath check follows at mount and at start. */
export function checkHostDir(source: string, root: string): string {
  const hint = `only a directory under ${root} can be mounted: run berth storage:ensure-directory <name>, then mount ${root}/<name>:/app/<dir>`;
  if (DOCKER_SOCKET.test(source)) refuse('mount_source_denied', `the Docker socket (${source}) can never be mounted`, hint);
  if (source.split('/').some((s) => s === '..' || s === '.')) refuse('mount_source_denied', `the host path "${source}" contains "." or ".."`, hint);
  if (!SAFE_PATH.test(source)) refuse('mount_source_denied', `the host path "${source}" has characters a mount path may not have`, hint);
  const clean = source.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  const rel = clean.startsWith(`${root}/`) ? clean.slice(root.length + 1) : undefined;
  if (rel === undefined || rel === '') refuse('mount_source_denied', `the host path ${clean || '/'} is outside Berth's storage root`, hint);
  if (!rel.split('/').every((s) => DIR_NAME.test(s))) refuse('mount_source_denied', `the host path "${clean}" has a part that is not a plain name`, hint);
  return clean;
}

export function checkProcesses(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!list || list.length === 0 || list.length > 20 || !list.every((t) => typeof t === 'string' && PROCESS_TYPE.test(t))) {
    refuse('invalid_process_type', '--process takes process type names, comma-separated', 'for example: --process web,worker');
  }
  return [...new Set(list as string[])].sort();
}

/** `uploads:/app/uploads` or `<root>/<dir>:/data` into a mount; everything else is refused, saying what is allowed. */
export function parseMountSpec(spec: unknown, root: string): Pick<StorageMount, 'kind' | 'source' | 'target'> {
  if (typeof spec !== 'string' || spec.length === 0 || spec.length > 500) {
    refuse('invalid_mount', 'give a mount as <name>:<container-path>', 'for example: berth storage:mount my-app uploads:/app/uploads');
  }
  const parts = spec.split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    refuse('invalid_mount', `"${spec}" is not <name-or-dir>:<container-path>`,
      'for example uploads:/app/uploads (a volume Berth keeps) or a directory under the storage root; options such as :ro are not supported');
  }
  const [source, target] = parts as [string, string];
  // The source first: refusing the Docker socket is the message that matters.
  if (source.startsWith('/')) {
    const dir = checkHostDir(source, root);
    return { kind: 'dir', source: dir, target: checkTarget(target) };
  }
  if (DOCKER_SOCKET.test(source) || source.includes('/') || source.includes('..')) {
    refuse('mount_source_denied', `"${source}" is neither a volume name nor a directory under the storage root`,
      `use a name (letters, digits, _ . -) for a volume Berth keeps, or ${root}/<dir> after berth storage:ensure-directory <dir>`);
  }
  if (!VOLUME_NAME.test(source)) {
    refuse('invalid_volume_name', `"${source}" is not a valid volume name`, 'use lowercase letters, digits and _ . - (at most 40, starting with a letter or digit)');
  }
  return { kind: 'volume', source, target: checkTarget(target) };
}

/** A directory name for storage:ensure-directory. */
export function checkDirName(name: unknown): string {
  if (typeof name !== 'string' || !DIR_NAME.test(name)) {
    refuse('invalid_directory_name', `"${String(name)}" is not a valid storage directory name`,
      'use lowercase letters, digits and _ . - (at most 40, starting with a letter or digit); it is made under the storage root');
  }
  return name;
}

/** The mounts a process of `type` gets; one-offs (`run`, release) get every mount. */
export function mountsFor(mounts: readonly StorageMount[] | undefined, type: string | undefined): StorageMount[] {
  return (mounts ?? []).filter((m) => type === undefined || !m.processes || m.processes.includes(type));
}

/** The release description of a mount change, e.g. `Mount uploads:/app/uploads`. */
export const describeMount = (verb: 'Mount' | 'Unmount', m: StorageMount) =>
  `${verb} ${mountKey(m)}${m.processes ? ` (${m.processes.join(',')})` : ''}`;
