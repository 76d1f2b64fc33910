// How a process container starts its Procfile command without carrying it in
// its arguments, as herokuish's `/start <type>` does: the command travels in
// an environment variable that a fixed launcher reads, unsets and hands to
// bash. PID 1 (docker-init) and the launcher then show only
// `berth-start <type>`, so `pgrep -f "<command>"` finds the app's own process
// alone, and bash execs a single command, so that process is the one that
// gets SIGTERM. The same on both schedulers, for slugs and Dockerfile images
// alike (a slug's entrypoint sources .profile.d first, then execs this).
export const COMMAND_VAR = 'BERTH_PROCESS_COMMAND';

const SCRIPT = `c="$${COMMAND_VAR}"; unset ${COMMAND_VAR}; exec /bin/bash -c "$c"`;

export interface Launch {
  /** The container's CMD (Swarm: Args), which keeps the image's ENTRYPOINT. */
  readonly cmd: string[];
  readonly env: Record<string, string>;
}

export function launchProcess(type: string, command: string): Launch {
  return { cmd: ['/bin/bash', '-c', SCRIPT, 'berth-start', type], env: { [COMMAND_VAR]: command } };
}
