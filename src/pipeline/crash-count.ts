// The watch after go-live decides from two pure pieces, kept here for their
// unit test: how often the watched release's web processes went down (from
// the scheduler's ps, the same view on every scheduler), and the app's own
// watch settings (config vars BERTH_AUTO_ROLLBACK, BERTH_WATCH_SEC; BERTH_SETTLE_SEC,
// read by the schedulers' boot check, is checked here too).
import { BerthError } from '../shared/errors.js';
import type { ProcessView, WebHealth } from '../runtime/scheduler.js';

export interface CrashTally {
  /** Each restart counts once, and a process that stopped for good once more. */
  readonly count: number;
  /** Why the first one that is down now stopped: "exited with code 1", "was killed ... (OOM)"; unknown once all run again. */
  readonly reason?: string;
  readonly lastLines?: readonly string[];
  /** The reason is a failed health check (the process ran but did not answer right), not an exit. */
  readonly health?: boolean;
}

// A web process must keep running: even a clean exit is a crash here.
const STOPPED = new Set(['exited', 'dead', 'complete']);

export function webCrashes(views: readonly ProcessView[], releaseTag: string): CrashTally {
  let count = 0;
  let reason: string | undefined;
  let lastLines: readonly string[] | undefined;
  for (const v of views) {
    if (v.type !== 'web' || v.release !== releaseTag) continue;
    const stopped = STOPPED.has(v.state);
    count += v.restarts + (stopped ? 1 : 0);
    // A process running again after its restart no longer says why it stopped: only a down one does.
    reason ??= v.reason;
    if (!lastLines?.length && v.lastLines?.length) lastLines = v.lastLines;
  }
  return { count, reason, lastLines };
}

/** "More than once in the window": one crash may be bad luck, two is the release. */
export const CRASHES_TO_ROLL_BACK = 2;

/**
 * Counts the crashes since the watch began: the rises of the tally between
 * looks. The first look is the baseline; a fall (processes replaced by
 * ps:restart, their counters back at zero) is not a crash, and what was
 * counted before it stays counted.
 */
export function crashCounter(): (tally: CrashTally) => boolean {
  let last: number | undefined;
  let total = 0;
  return (tally) => {
    if (last !== undefined && tally.count > last) total += tally.count - last;
    last = tally.count;
    return total >= CRASHES_TO_ROLL_BACK;
  };
}

/**
 * Counts failed health checks after go-live, per process, from the
 * scheduler's looks (Scheduler.checkWeb): `attempts` failed looks in a row
 * are one failure, as a platform's health check would then replace the
 * process; still failing after as many more, a second. A passing look
 * starts the count again. The total only rises, as crashCounter expects.
 */
export function healthCounter(): (looks: readonly WebHealth[]) => { failures: number; reason?: string } {
  const streaks = new Map<string, number>();
  let failures = 0;
  return (looks) => {
    let reason: string | undefined;
    for (const look of looks) {
      if (!look.failure) { streaks.delete(look.name); continue; }
      const n = (streaks.get(look.name) ?? 0) + 1;
      streaks.set(look.name, n >= look.attempts ? 0 : n);
      if (n >= look.attempts) {
        failures++;
        reason ??= `${look.name}: ${look.failure}, ${look.attempts} times in a row`;
      }
    }
    return { failures, reason };
  };
}

export interface WatchSettings { readonly watchMs: number; readonly autoRollback: boolean }

const ON = ['1', 'on', 'true', 'yes'];
const OFF = ['0', 'off', 'false', 'no'];

/** The app's config vars refused at config:set when they cannot be read. */
export function checkWatchVars(vars: Readonly<Record<string, string>>): void {
  const flag = vars.BERTH_AUTO_ROLLBACK;
  if (flag !== undefined && flag !== '' && ![...ON, ...OFF].includes(flag.toLowerCase())) {
    throw new BerthError('invalid_config_value', `BERTH_AUTO_ROLLBACK must be on or off, not "${flag}"`,
      { hint: 'berth config:set <app> BERTH_AUTO_ROLLBACK=off turns the rollback after go-live off for this app' });
  }
  const sec = vars.BERTH_WATCH_SEC;
  if (sec !== undefined && sec !== '' && !(/^\d{1,5}$/.test(sec) && Number(sec) <= 3600)) {
    throw new BerthError('invalid_config_value', `BERTH_WATCH_SEC must be a whole number of seconds from 0 to 3600, not "${sec}"`,
      { hint: 'e.g. berth config:set <app> BERTH_WATCH_SEC=120 (0 turns the watch off)' });
  }
  const settle = vars.BERTH_SETTLE_SEC;
  if (settle !== undefined && settle !== '' && !(/^\d{1,3}$/.test(settle) && Number(settle) <= 600)) {
    throw new BerthError('invalid_config_value', `BERTH_SETTLE_SEC must be a whole number of seconds from 0 to 600, not "${settle}"`,
      { hint: 'e.g. berth config:set <app> BERTH_SETTLE_SEC=10: a new web process must still run 10 s after it answered' });
  }
}

/** The server's defaults, overridden by the release's own config vars. */
export function watchSettings(vars: Readonly<Record<string, string>>, defaults: WatchSettings): WatchSettings {
  const flag = (vars.BERTH_AUTO_ROLLBACK ?? '').toLowerCase();
  const sec = vars.BERTH_WATCH_SEC ?? '';
  return {
    autoRollback: ON.includes(flag) ? true : OFF.includes(flag) ? false : defaults.autoRollback,
    watchMs: /^\d{1,5}$/.test(sec) ? Math.min(Number(sec), 3600) * 1000 : defaults.watchMs,
  };
}
