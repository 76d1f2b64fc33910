// What the push says about the slug it made: which layers were reused and
// which were written, its size, and the size limits (a warning past the
// soft one, the build refused past the hard one, as Heroku does at
// 300/500 MB; Berth's limits are in config and the README).
import type { BuildLog } from '../../shared/build-log.js';
import { BerthError } from '../../shared/errors.js';
import type { SlugFigures } from './slug.js';

export interface SlugLimits {
  readonly warnBytes: number;
  readonly maxBytes: number;
}

const MiB = 1024 * 1024;

export function mb(bytes: number): string {
  const m = bytes / MiB;
  if (m < 1) return `${Math.ceil(bytes / 1024)} kB`;
  return `${m < 10 ? m.toFixed(1) : Math.round(m)} MB`;
}

/** `kept` lines come from the buildpacks (build-notes.ts): what they kept in the slug and why. */
export function reportSlug(log: BuildLog, f: SlugFigures, kept: readonly string[] = []): void {
  const named = (l: SlugFigures['layers'][number]) => `${l.dest} (${l.label})`;
  const reused = f.layers.filter((l) => l.reused);
  const made = f.layers.filter((l) => !l.reused);
  if (reused.length) log.detail(`reused: ${reused.map(named).join(', ')}`);
  if (made.length) log.detail(`new layers: ${made.map((l) => `${named(l)} ${mb(l.bytes)}`).join(', ')}`);
  const parts = [...f.layers.map((l) => `${l.dest} ${mb(l.bytes)}`), `app ${mb(f.appBytes)}`];
  log.detail(`slug size: ${mb(f.totalBytes)} (${parts.join(', ')}); new in this release: ${mb(f.newBytes)}`);
  for (const k of kept) log.detail(`kept for the run: ${k}`);
}

/** Warns past the soft limit; throws past the hard one. */
export function checkSlugSize(log: BuildLog, f: SlugFigures, limits: SlugLimits): void {
  const biggest = [...f.layers.map((l) => ({ name: l.dest, bytes: l.bytes })), { name: 'the app\'s own files', bytes: f.appBytes }]
    .sort((a, b) => b.bytes - a.bytes)[0]!;
  if (f.totalBytes > limits.maxBytes) {
    throw new BerthError('slug_too_large', `the slug is ${mb(f.totalBytes)}, over Berth's limit of ${mb(limits.maxBytes)} (the largest part: ${biggest.name}, ${mb(biggest.bytes)})`,
      { hint: 'move build-only packages to devDependencies (they are pruned), keep large files out of the repo, '
        + 'or raise BERTH_SLUG_MAX_MB on the server; nothing was deployed' });
  }
  if (f.totalBytes > limits.warnBytes) {
    log.error(`Warning: the slug is ${mb(f.totalBytes)}, over the ${mb(limits.warnBytes)} soft limit (the largest part: ${biggest.name}, `
      + `${mb(biggest.bytes)}); big slugs deploy and boot slower. The build fails past ${mb(limits.maxBytes)}.`);
  }
}
