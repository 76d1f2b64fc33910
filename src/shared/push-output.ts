// Heroku-style push output: "-----> " for steps, 7 spaces for detail,
// " !     " for errors. git prefixes every line with "remote: ".

export const step = (text: string) => `-----> ${text}`;
export const detail = (text: string) => `       ${text}`;
export const failure = (text: string) => ` !     ${text}`;

/** Keeps output ASCII-safe and single-line per entry (git sideband is line based). */
export function cleanLine(line: string): string {
  // Drop ANSI escapes and carriage-return progress bars; keep the last frame.
  const lastFrame = line.split('\r').filter((s) => s.length > 0).pop() ?? '';
  return lastFrame.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

/**
 * Last line of the receive endpoint's response, read by the pre-receive
 * hook. Build log lines always start with an arrow, indent or bang, so a
 * line starting with this cannot come from a build.
 */
export const RECEIVE_STATUS_PREFIX = 'berth-status: ';

/** "build 12.3s · slug 1.1s · boot 0.8s · total 14.6s": where a push's time went. */
export function phaseTimes(phases: Readonly<Record<string, number | undefined>>): string {
  return Object.entries(phases)
    .filter((e): e is [string, number] => e[1] !== undefined)
    .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)}s`)
    .join(' · ');
}
