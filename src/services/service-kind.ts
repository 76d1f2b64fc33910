// The one interface every backing-service kind implements (postgres, redis; a third kind is one
// new file plus a line in registry.ts). Ops and the runtime only ever talk to a kind through this
// shape, so no code outside src/services/ branches on the kind.
//
// Flow: ops/services/create picks a kind from the registry -> kind.container(secrets) gives the
// container's command/env -> the runtime starts it on the service's own network -> the health
// command is exec'd until it exits 0 -> linked apps get kind.url(alias, secrets) in kind.envVar.

export type ServiceKindName = 'postgres' | 'redis';

export interface ServiceSecrets {
  readonly password: string;
}

/** What a kind may do to its own running service: run a command in it, stop/start it, put a file in its data volume. */
export interface ServiceHandle {
  exec(
    cmd: readonly string[],
    opts?: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream; signal?: AbortSignal },
  ): Promise<{ code: number; stderr: string }>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Runs a command in a throwaway container of the kind's image with the service's data volume mounted (service stopped), for offline restores. */
  runWithVolume(
    cmd: readonly string[],
    opts?: { stdin?: NodeJS.ReadableStream },
  ): Promise<{ code: number; stderr: string }>;
}

export interface ServiceKind {
  readonly kind: ServiceKindName;
  /** Built from Debian's packages on berth/stack:bookworm; no registry. */
  readonly image: string;
  /** The config var a linked app gets for its first service of this kind (DATABASE_URL, REDIS_URL); a second gets <NAME>_URL. */
  readonly envVar: string;
  readonly port: number;
  /** Where the service's named volume is mounted. */
  readonly dataPath: string;
  /** The container's command and environment. */
  container(secrets: ServiceSecrets): { cmd: string[]; env: Record<string, string>; user: string };
  /** The URL a linked app uses; `host` is the service's network alias. */
  url(host: string, secrets: ServiceSecrets): string;
  /** Exec'd in the service; exit 0 = accepting connections. */
  healthCommand(secrets: ServiceSecrets): string[];
  /** Exec'd in the service; prints the server version. */
  versionCommand(secrets: ServiceSecrets): string[];
  /** Backups: written to `out`; the file name extension; a check that reads a written backup back (on stdin, in a throwaway container of the image) and exits 0 only if it is sound. */
  readonly backupExtension: string;
  backup(h: ServiceHandle, secrets: ServiceSecrets, out: NodeJS.WritableStream, signal?: AbortSignal): Promise<void>;
  verifyCommand(): string[];
  /** Restores a backup read from `input` into the service (it may stop and start it). */
  restore(h: ServiceHandle, secrets: ServiceSecrets, input: NodeJS.ReadableStream, signal?: AbortSignal): Promise<void>;
}
