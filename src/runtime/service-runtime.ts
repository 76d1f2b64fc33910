// What a scheduler does for backing services (issue 21): run one service's
// container with its volume, put it on a linked app's network and take it off,
// and give the kind a handle to exec in it. docker-local and swarm implement
// it; a scheduler without it refuses services with a clear error (501).
import type { ServiceSpec } from '../docker/service-container.js';

export type { ServiceSpec };

export interface ServiceState {
  /** Docker's words: running, restarting, exited, ...; `missing` when the container is gone. */
  readonly state: string;
  readonly health: string | undefined;
  readonly startedAt: string | undefined;
  readonly restartCount: number;
}

/** The same shape as services/service-kind.ts's ServiceHandle (kept apart so runtime imports nothing above it). */
export interface ServiceExecHandle {
  exec(cmd: readonly string[], opts?: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream; signal?: AbortSignal; timeoutMs?: number }): Promise<{ code: number; stderr: string }>;
  stop(): Promise<void>;
  start(): Promise<void>;
  runWithVolume(cmd: readonly string[], opts?: { stdin?: NodeJS.ReadableStream }): Promise<{ code: number; stderr: string }>;
}

export interface ServiceRuntime {
  /** Creates what is missing (volume, network, container) and starts it; does not wait for health. */
  start(spec: ServiceSpec): Promise<void>;
  handle(spec: ServiceSpec): ServiceExecHandle;
  /** Makes the service reachable from the app's processes (and its one-offs); returns the host name they use. */
  link(service: string, app: string): Promise<string>;
  unlink(service: string, app: string): Promise<void>;
  /** The host name linked apps reach the service by. */
  hostOf(service: string): string;
  state(service: string): Promise<ServiceState>;
  logs(service: string, lines: number): Promise<string[]>;
  restart(service: string): Promise<void>;
  /** Removes the container, network and data volume. */
  remove(service: string): Promise<void>;
}
