// The Scheduler contract: turn a release plus a formation into running,
// labelled processes. docker-local is the first; Swarm plugs in here too.
import type { BuildLog } from '../shared/build-log.js';
import { RELEASE_PROCESS, type Release } from '../shared/types.js';
import type { AppName } from '../shared/app-name.js';
import type { ResourceLimits } from '../store/apps.js';
import type { ServiceRuntime } from './service-runtime.js';
import type { StorageReplicaLimit } from '../shared/storage-replicas.js';

/** Process type -> replica count. */
export type Formation = Record<string, number>;
export type Resources = Record<string, ResourceLimits>;

export interface DeployOutcome {
  /** `host:port` of each healthy web container, now routed. */
  readonly upstreams: readonly string[];
  /** Drains and stops the replaced containers. */
  retire(): Promise<void>;
  /**
   * Instead of retire, while the new release is watched after go-live:
   * the replaced release's web processes keep running (or are started again
   * where the scheduler had already replaced them) outside the route, as
   * the standby the router falls back to while the new release has no web
   * process that answers; everything else retires now. Resolves with the
   * standby's own retire, for the end of the watch; a later deploy retires
   * the standby too.
   */
  keepStandby(): Promise<RetireStandby>;
}

/** Takes the standby out of the route, drains it and stops it; safe to call twice. */
export type RetireStandby = () => Promise<void>;

export interface DeployOptions {
  /** Only these process types are replaced (ps:restart web); default: all. */
  readonly types?: readonly string[];
  readonly resources?: Resources;
  /**
   * The app's deploy strategy is stop-first (storage:mount --stop-first):
   * the old processes stop before the new ones start, for apps whose files
   * cannot be shared by two processes at once. This costs downtime.
   */
  readonly stopFirst?: boolean;
}

export interface ProcessView {
  readonly name: string;
  readonly type: string;
  readonly state: string;
  readonly crashed: boolean;
  readonly startedAt: string;
  readonly uptimeSec: number;
  readonly restarts: number;
  readonly release: string;
  readonly lastLines?: string[];
  /** Why a crashed process stopped: "exited with code 1", "was killed for going over its 512 MB memory limit (OOM)". */
  readonly reason?: string;
  /** The node's address, when the scheduler spans several (swarm). */
  readonly node?: string;
}

/** One look at one serving web process's health check, for the watch after go-live. */
export interface WebHealth {
  /** `web.1` */
  readonly name: string;
  /** Why the check failed; absent when it passed (or the process was not listening: ps counts that). */
  readonly failure?: string;
  /** How many failed looks in a row make one failure (app.json's `attempts`). */
  readonly attempts: number;
}

export interface RunOptions {
  readonly command: string;
  readonly detach: boolean;
  readonly onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  readonly signal?: AbortSignal;
  /** The one-off's `berth.process` label (role stays `run`); default `run`. */
  readonly process?: string;
}

export interface Scheduler {
  /**
   * Starts the release, health-checks it, then switches routes. Throws (and
   * leaves the previous release serving) if the new processes do not boot.
   */
  deploy(release: Release, formation: Formation, log: BuildLog, opts?: DeployOptions): Promise<DeployOutcome>;
  /** Adds or removes replicas of the running release; new web replicas are checked first. */
  scale(release: Release, formation: Formation, log: BuildLog, resources?: Resources): Promise<void>;
  /** Stops every process of the app; the router then answers 503. */
  stop(app: AppName): Promise<void>;
  /**
   * Removes every container, image and volume labelled with the app, except
   * its storage volumes unless purgeStorage; returns the storage volumes kept.
   */
  destroy(app: AppName, opts?: { purgeStorage?: boolean }): Promise<{ keptVolumes: string[] }>;
  ps(app: AppName): Promise<ProcessView[]>;
  run(release: Release, opts: RunOptions): Promise<{ code: number } | { name: string }>;
  /**
   * Runs a command in a one-off of the release's image and, if it exits 0,
   * commits its file changes as release.image, keeping the image's own
   * CMD/ENTRYPOINT/env/labels (app.json's scripts.dokku.predeploy).
   */
  runAndCommit(release: Release, opts: Omit<RunOptions, 'detach'>): Promise<{ code: number }>;
  /** Brings routes back in line with what is running, e.g. after a restart. */
  reconcile(app: AppName, current: Release | undefined, formation: Formation): Promise<void>;
  /**
   * How many replicas a process type with storage mounts may run, when the
   * scheduler pins such a type somewhere (ops/ps/scale.ts and
   * ops/storage/mount.ts refuse past it); absent: no limit.
   */
  readonly storageReplicas?: StorageReplicaLimit;
  /**
   * One look at each serving web process of the release with its health
   * check, for the watch after go-live. Absent where the platform replaces a
   * process that fails its check by itself (Swarm's task health check): ps
   * then shows that as a restart.
   */
  checkWeb?(release: Release): Promise<WebHealth[]>;
  /** Backing services (postgres, redis) on this scheduler; absent where they are not supported yet. */
  readonly services?: ServiceRuntime;
}

/**
 * The formation a release runs with: what was scaled, else app.json's
 * formation, else web=1 and every other type 0 (Heroku's default).
 */
export function effectiveFormation(release: Release, stored: Formation): Formation {
  const out: Formation = {};
  for (const type of Object.keys(release.processTypes)) {
    if (type === RELEASE_PROCESS) continue;
    out[type] = stored[type] ?? release.formationDefaults?.[type] ?? (type === 'web' ? 1 : 0);
  }
  return out;
}
