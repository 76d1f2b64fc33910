// How many replicas a process type with storage mounts may run. One host
// (docker-local) sets no limit. A scheduler that spreads replicas over
// nodes (Swarm) pins such a type to the node that holds its volumes, so a
// scale past what that one node may run would only look like a spread:
// ps:scale and storage:mount refuse it, naming the mount and the way out.
import { fail, type BerthError } from './errors.js';
import { mountKey, mountsFor, type StorageMount } from './storage-mount.js';

/** A scheduler's limit (Scheduler.storageReplicas); absent: none. */
export interface StorageReplicaLimit {
  readonly maxReplicas: number;
  /** Why, in the scheduler's words; the refusal quotes it. */
  readonly reason: string;
  /** The setting that raises the limit, if an operator may. */
  readonly setting?: string;
}

type Counts = Readonly<Record<string, number>>;

const replicas = (n: number) => `${n} replica${n === 1 ? '' : 's'}`;
const raise = (limit: StorageReplicaLimit) => (limit.setting ? `; or raise ${limit.setting} to run more on that one node` : '');

/**
 * The refusal for the first type in `wanted` that would run past the limit
 * with storage mounts, or undefined. Scaling down is always allowed, even
 * from past the limit (a formation from before the limit existed).
 */
export function scaleRefusal(app: string, wanted: Counts, current: Counts, mounts: readonly StorageMount[], limit: StorageReplicaLimit | undefined): BerthError | undefined {
  if (!limit) return undefined;
  for (const [type, n] of Object.entries(wanted)) {
    const own = mountsFor(mounts, type);
    if (own.length === 0 || n <= limit.maxReplicas || n <= (current[type] ?? 0)) continue;
    const keys = [...new Set(own.map(mountKey))];
    return fail('storage_pinned',
      `${type} cannot run ${replicas(n)}: it has the storage mount${keys.length > 1 ? 's' : ''} ${keys.join(', ')}, so it runs at most ${replicas(limit.maxReplicas)} (${limit.reason})`,
      `keep ${type} at ${limit.maxReplicas} (berth ps:scale ${app} ${type}=${limit.maxReplicas}); to run more, unmount it (berth storage:unmount ${app} ${keys[0]}) `
        + `and keep those files in a store every replica can reach (a backing service or object storage)${raise(limit)}`);
  }
  return undefined;
}

/** The refusal for a mount on a type that already runs past the limit, or undefined. */
export function mountRefusal(app: string, mount: StorageMount, formation: Counts, limit: StorageReplicaLimit | undefined): BerthError | undefined {
  if (!limit) return undefined;
  const over = Object.entries(formation).filter(([type, n]) => n > limit.maxReplicas && (!mount.processes || mount.processes.includes(type)));
  if (over.length === 0) return undefined;
  const [type, n] = over[0]!;
  const fits = Object.keys(formation).filter((t) => (formation[t] ?? 0) <= limit.maxReplicas);
  return fail('storage_pinned',
    `cannot mount ${mountKey(mount)} on ${type}: it runs ${replicas(n)}, and a process type with storage mounts runs at most ${replicas(limit.maxReplicas)} (${limit.reason})`,
    `scale it down first (berth ps:scale ${app} ${type}=${limit.maxReplicas})`
      + (fits.length ? `, or mount it only on types that run ${limit.maxReplicas} or fewer (--process ${fits.join(',')})` : '') + raise(limit));
}
