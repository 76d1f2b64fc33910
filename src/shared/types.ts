// The domain words shared by every stage.
import type { AppName } from './app-name.js';
import type { StorageMount } from './storage-mount.js';

export type BuildStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'superseded';

export interface Build {
  readonly id: string;
  readonly app: AppName;
  readonly rev: string;
  readonly ref: string;
  status: BuildStatus;
  readonly createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Set when the build produced a release. */
  release?: number;
  /** Human sentence when failed. */
  error?: string;
  /** The build worker that ran it (BERTH_WORKER_NAME, default its hostname). */
  worker?: string;
}

export type ReleaseStatus = 'pending' | 'live' | 'failed';

/** Process type -> command. `null` means the image's own CMD. */
export type ProcessTypes = Record<string, string | null>;

export interface Release {
  readonly app: AppName;
  readonly version: number;
  readonly image: string;
  readonly config: Readonly<Record<string, string>>;
  readonly processTypes: Readonly<ProcessTypes>;
  /** Port the web process listens on inside the container. */
  readonly port: number;
  readonly buildId?: string;
  readonly rev?: string;
  readonly description: string;
  readonly createdAt: number;
  status: ReleaseStatus;
  /** From app.json: checks a new process must pass before it takes traffic. */
  readonly healthchecks?: Readonly<Record<string, readonly HealthCheck[]>>;
  /** From app.json `formation`: initial replica counts per process type. */
  readonly formationDefaults?: Readonly<Record<string, number>>;
  /** The app's storage mounts when the release was made (storage:mount); unset before any. */
  readonly mounts?: readonly StorageMount[];
  /** From the build: what a failed boot names as its likely cause (a dependency's engines.node, say). */
  readonly bootHints?: readonly string[];
  /** From app.json `cron`: the scheduled jobs that run while this release is live. */
  readonly cron?: readonly CronJob[];
}

/** One app.json `cron` entry, validated; `id` is stable for the same schedule and command. */
export interface CronJob {
  readonly id: string;
  readonly schedule: string;
  readonly command: string;
}

/** Dokku's app.json healthcheck, normalised. */
export interface HealthCheck {
  readonly path: string;
  readonly timeoutSec: number;
  readonly attempts: number;
  readonly waitSec: number;
  /** Text the response body must contain, if set. */
  readonly content?: string;
}

/** The release-phase process type: runs once per release, never scaled. */
export const RELEASE_PROCESS = 'release';

export interface AppRecord {
  readonly name: AppName;
  readonly createdAt: number;
  /** Version of the release now serving, 0 before the first deploy. */
  currentRelease: number;
}

export const releaseTag = (version: number) => `v${version}`;
export const appImage = (app: AppName, version: number) => `berth/app-${app}:v${version}`;
