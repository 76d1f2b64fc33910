// How close this process is to its descriptor limit, asked cheaply enough
// to ask on every accepted connection: /proc/self/fd is counted at most
// once per SAMPLE_MS, and the connections the caller opened or closed since
// are added to that count. Where /proc cannot be read (not Linux), there is
// no budget and every question answers "room".
import { readdirSync, readFileSync } from 'node:fs';

const SAMPLE_MS = 250;

export interface FdBudget {
  /** The soft limit read at start (Infinity where unknown). */
  readonly limit: number;
  /** Whether one more descriptor leaves `reserve` free; `opened`/`closed` keep the count current between samples. */
  hasRoom(): boolean;
  opened(): void;
  closed(): void;
  /** The count as last known, for the log line. */
  inUse(): number;
}

/** The soft "Max open files" of this process, or Infinity. */
export function openFilesLimit(limitsText?: string): number {
  let text = limitsText;
  try { text ??= readFileSync('/proc/self/limits', 'utf8'); } catch { return Infinity; }
  const m = /^Max open files\s+(\S+)/m.exec(text);
  if (!m || m[1] === 'unlimited') return Infinity;
  const n = Number(m[1]);
  return Number.isFinite(n) && n > 0 ? n : Infinity;
}

/** `countFds` is injectable for the unit test; it throws when the count cannot be taken (EMFILE itself, for one). */
export function fdBudget(reserve: number, limit = openFilesLimit(), countFds = () => readdirSync('/proc/self/fd').length): FdBudget {
  let sampled = 0;
  let sampledAt = -Infinity;
  let drift = 0;
  const current = (): number => {
    const now = Date.now();
    if (now - sampledAt >= SAMPLE_MS) {
      try {
        sampled = countFds();
        drift = 0;
      } catch {
        // Out of descriptors to even look: as full as it gets.
        sampled = limit;
        drift = 0;
      }
      sampledAt = now;
    }
    return sampled + drift;
  };
  return {
    limit,
    hasRoom: () => limit === Infinity || current() + 1 <= limit - reserve,
    opened: () => { drift += 1; },
    closed: () => { drift -= 1; },
    inUse: () => (limit === Infinity ? 0 : current()),
  };
}
