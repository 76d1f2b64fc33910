// Lines buildpacks leave in /berth/out beside their results (runner.sh names
// the files): `slug-notes`, what the slug kept and why, for the slug report;
// `boot-hints`, what a failed boot should name as its likely cause (a
// dependency whose engines.node excludes the Node.js used, say). A buildpack
// writes them, so they are bounded here: a few short lines at most.
const MAX_LINES = 8;
const MAX_CHARS = 300;

export function noteLines(file: Buffer | undefined): string[] {
  if (!file) return [];
  return file.toString('utf8').split('\n')
    .map((l) => l.replace(/[\p{Cc}]/gu, '').trim())
    .filter(Boolean)
    .slice(0, MAX_LINES)
    .map((l) => (l.length > MAX_CHARS ? `${l.slice(0, MAX_CHARS - 1)}…` : l));
}
