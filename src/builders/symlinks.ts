// Symlinks in the pushed tree must resolve inside it. One that points to an
// absolute path or climbs out with `..` means something on the developer's
// machine (or a probe of the build host); Docker's build context rejects it
// with an opaque 500, and a buildpack or a Procfile read on the host would
// follow it. So the whole tree is checked before any builder sees it, and
// the first bad link fails the build as the user's error, named.
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../shared/errors.js';

// As Linux's MAXSYMLINKS: more hops than this is a loop.
const MAX_HOPS = 40;
const HINT = 'symlinks must stay inside the repository: make it a relative link to a file in the repo, or commit the file itself instead of the link';

type Resolution = { inside: true; parts: string[] } | { inside: false; why: string };

/**
 * Follows `target` from the directory `dir` (path parts under root) as the
 * kernel would, so `..` after a link climbs from where the link led.
 */
async function resolve(root: string, dir: string[], target: string, hops: { n: number }): Promise<Resolution> {
  if (path.isAbsolute(target)) return { inside: false, why: 'an absolute path' };
  const parts = [...dir];
  let missing = false;
  for (const comp of target.split('/')) {
    if (comp === '' || comp === '.') continue;
    if (comp === '..') {
      if (parts.length === 0) return { inside: false, why: 'outside the repository' };
      parts.pop();
      continue;
    }
    parts.push(comp);
    if (missing) continue; // under a missing name nothing can be a link
    const info = await lstat(path.join(root, ...parts)).catch(() => undefined);
    if (!info) { missing = true; continue; }
    if (!info.isSymbolicLink()) continue;
    if (++hops.n > MAX_HOPS) return { inside: false, why: 'a loop of symlinks' };
    parts.pop();
    const next = await resolve(root, parts, await readlink(path.join(root, ...parts, comp)), hops);
    if (!next.inside) return next;
    parts.splice(0, parts.length, ...next.parts);
  }
  return { inside: true, parts };
}

async function* symlinksUnder(root: string, rel: string[] = []): AsyncGenerator<string[]> {
  // Sorted, so the same tree always names the same first bad link.
  const entries = (await readdir(path.join(root, ...rel), { withFileTypes: true })).sort((x, y) => (x.name < y.name ? -1 : 1));
  for (const d of entries) {
    if (d.isSymbolicLink()) yield [...rel, d.name];
    else if (d.isDirectory()) yield* symlinksUnder(root, [...rel, d.name]);
  }
}

/** Fails with symlink_outside_repo at the first link that leaves `root`. */
export async function checkSymlinks(root: string): Promise<void> {
  for await (const link of symlinksUnder(root)) {
    const target = await readlink(path.join(root, ...link));
    const res = await resolve(root, link.slice(0, -1), target, { n: 0 });
    if (!res.inside) {
      throw new BerthError('symlink_outside_repo', `the symlink ${link.join('/')} points to ${JSON.stringify(target)}, ${res.why}`, { hint: HINT });
    }
  }
}
