// The Scheduler contract: turn a release plus a formation into running,
// labelled processes. docker-local is the first; Swarm plugs in here too.
import type { BuildLog } from '../shared/build-log.js';
import type { Release } from '../shared/types.js';
import type { AppName } from '../shared/app-name.js';

/** Process type -> replica count. */
export type Formation = Record<string, number>;

export interface DeployOutcome {
  /** `host:port` of each healthy web container, now routed. */
  readonly upstreams: readonly string[];
  /** Drains and stops the previous release's containers. */
  retire(): Promise<void>;
}

export interface Scheduler {
  /**
   * Starts the release, health-checks it, then switches routes. Throws (and
   * leaves the previous release serving) if the new processes do not boot.
   */
  deploy(release: Release, formation: Formation, log: BuildLog): Promise<DeployOutcome>;
  /** Brings routes back in line with what is running, e.g. after a restart. */
  reconcile(app: AppName, current: Release | undefined): Promise<void>;
  /** Stops and removes every container of the app. */
  stop(app: AppName): Promise<void>;
}

export const DEFAULT_FORMATION: Formation = { web: 1 };
