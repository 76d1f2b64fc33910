// A full disk during a build, from wherever it surfaces: node's ENOSPC,
// tar's or git's "No space left on device" on stderr, or Docker's build or
// commit error. Turned into one clear error with the free space left, so the
// push says what happened and what to free, not "internal error".
import { statfs } from 'node:fs/promises';
import { BerthError } from '../shared/errors.js';

// GNU tar reports a full disk as a short write ("Wrote only 6144 of 10240 bytes").
const NO_SPACE = /no space left on device|ENOSPC|disk quota exceeded|EDQUOT|wrote only \d+ of \d+ bytes/i;
// Below this, whatever just failed most likely failed for want of space.
const NEARLY_FULL_BYTES = 1 << 20;

export function saysDiskFull(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; stderr?: unknown } | undefined;
  if (!e) return false;
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') return true;
  return NO_SPACE.test(`${String(e.message ?? err)}\n${String(e.stderr ?? '')}`);
}

/**
 * The error says so, or the build's working space is (nearly) full as it
 * fails with an unexplained error (not one of Berth's own, which say why).
 */
export async function isDiskFull(err: unknown, dir: string): Promise<boolean> {
  if (saysDiskFull(err)) return true;
  if (err instanceof BerthError) return false;
  const s = await statfs(dir).catch(() => undefined);
  return s !== undefined && s.bavail * s.bsize < NEARLY_FULL_BYTES;
}

const human = (bytes: number) => bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(1)} GB` : `${Math.round(bytes / (1 << 20))} MB`;

async function freeText(dir: string): Promise<string> {
  try {
    const s = await statfs(dir);
    return `${human(s.bavail * s.bsize)} free of ${human(s.blocks * s.bsize)}`;
  } catch {
    return 'unknown free space';
  }
}

/** The line that says so, e.g. "tar: src/big.bin: Cannot write: No space left on device". */
function causeLine(err: unknown): string {
  const e = err as { message?: unknown; stderr?: unknown };
  const lines = `${String(e?.stderr ?? '')}\n${String(e?.message ?? err)}`.split('\n');
  return (lines.find((l) => NO_SPACE.test(l)) ?? 'no space left on device').replace(/^.*?(Command failed: )/, '').trim().slice(0, 200);
}

/** The BerthError a full disk becomes; `dir` is the build's working space. */
export async function diskFullError(err: unknown, dir: string, dataDir: string, what = 'the build'): Promise<BerthError> {
  return new BerthError('disk_full', `the disk is full: ${what} ran out of space (${causeLine(err)}); its working space ${dir} has ${await freeText(dir)}`, {
      cause: err,
      expose: true,
      hint: `free space on the Berth host, then push again: see df -h ${dataDir} /var/lib/docker; remove unused images `
        + '(docker image prune) and apps you no longer need (berth apps:destroy). Nothing stored was lost, and the running release was not touched',
    });
}
