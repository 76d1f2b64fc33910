// The slug's shared-library check, so a missing library fails the build, not the boot:
//   a throwaway container of the new slug image (run stack + runtime layers
//   + /app, .profile.d sourced by its entrypoint) -> every ELF file under
//   /app (executables, *.so, *.node) -> `ldd` (libc-bin, in the run stack)
//   -> each "not found" is a ` !     ` line naming the file and the library.
// Runtime layers are checked once per base image (by image id) and skipped
// later: an unchanged Node.js is not rescanned on every push.
import { createBuildContainer } from '../../docker/build-container.js';
import type { Docker } from '../../docker/client.js';
import { inspectImage, removeImage } from '../../docker/containers.js';
import type { BuildLog } from '../../shared/build-log.js';
import { BerthError } from '../../shared/errors.js';
import { BUILD_GID, BUILD_UID } from './inputs.js';
import type { Layer } from './slug.js';

export interface LibraryCheckInput {
  readonly docker: Docker;
  /** The slug image just committed; its tag is removed when the check fails. */
  readonly image: string;
  /** The run stack's name, for the message. */
  readonly runImage: string;
  /** The base image (run stack + layers) the slug sits on, and its layers. */
  readonly baseRef: string;
  readonly layers: readonly Layer[];
  readonly containerName: string;
  readonly labels: Record<string, string>;
  readonly log: BuildLog;
  readonly timeoutMs?: number;
}

export interface MissingLibrary { readonly file: string; readonly library: string }

/** Config var that turns the check off for an app (a false alarm, say). */
export const LIBRARY_CHECK_VAR = 'BERTH_LIBRARY_CHECK';

// Base image ids whose runtime layers passed; bounded, oldest dropped first.
const checkedBases = new Set<string>();
const MAX_CHECKED = 500;

// $@ = directories to skip. Only files that can be ELF objects are opened,
// and only the first 4 bytes (no fork); only real ELF files go to ldd, which
// reads the run stack's own loader paths, rpaths and $ORIGIN as the dyno will.
export const SCRIPT = [
  'export LC_ALL=C',
  'prune=()',
  'for d in "$@"; do prune+=(-path "$d" -o); done',
  'n=0',
  'while IFS= read -r -d "" f; do',
  '  IFS= read -r -N 4 magic < "$f" 2>/dev/null || continue',
  "  [[ \"$magic\" == $'\\x7fELF' ]] || continue",
  '  n=$((n + 1))',
  '  while read -r lib arrow rest; do',
  '    [[ "$arrow" == "=>" && "$rest" == "not found" ]] && printf "missing\\t%s\\t%s\\n" "$f" "$lib"',
  '  done < <(ldd "$f" 2>/dev/null)',
  "done < <(find /app \\( \"${prune[@]}\" -false \\) -prune -o -type f \\( -perm /111 -o -name '*.so' -o -name '*.so.*' -o -name '*.node' \\) -print0 2>/dev/null)",
  'echo "checked $n"',
].join('\n');

/** Parses the script's output: missing lines, and the count of ELF files checked. */
export function parseCheckOutput(lines: readonly string[]): { missing: MissingLibrary[]; checked: number | undefined } {
  const missing: MissingLibrary[] = [];
  let checked: number | undefined;
  for (const line of lines) {
    const [word, file = '', library = ''] = line.split('\t');
    if (word === 'missing' && file && library) missing.push({ file, library });
    const m = /^checked (\d+)$/.exec(line);
    if (m) checked = Number(m[1]);
  }
  // A musl build shipped beside the glibc one (prebuilt npm packages do) is never loaded here.
  const musl = new Set(missing.filter((m) => m.library.startsWith('libc.musl-')).map((m) => m.file));
  return { missing: missing.filter((m) => !musl.has(m.file)), checked };
}

/** Fails with `slug_library_missing` when an ELF file in the slug needs a library the run stack lacks. */
export async function checkSlugLibraries(input: LibraryCheckInput): Promise<void> {
  const base = input.layers.length ? await inspectImage(input.docker, input.baseRef) : undefined;
  const skip = base && checkedBases.has(base.id) ? input.layers.map((l) => `/app/${l.dest}`) : [];
  const lines = await runCheck(input, skip);
  const { missing, checked } = parseCheckOutput(lines);
  if (checked === undefined) {
    input.log.error(`Warning: the shared-library check did not finish (${lines.slice(-1)[0] ?? 'no output'}); the slug was not checked`);
    return;
  }
  if (missing.length === 0) {
    if (base) remember(base.id);
    input.log.detail(`Shared libraries: all ${checked} ELF file(s) find theirs on ${input.runImage}${skip.length ? ' (runtime layer checked before)' : ''}`);
    return;
  }
  const byFile = new Map<string, string[]>();
  for (const m of missing) byFile.set(m.file, [...(byFile.get(m.file) ?? []), m.library]);
  for (const [file, libs] of byFile) input.log.error(`${file} needs ${[...new Set(libs)].join(', ')}, which ${input.runImage} does not have`);
  await removeImage(input.docker, input.image).catch(() => {});
  const first = [...byFile.keys()][0]!;
  throw new BerthError('slug_library_missing', `${byFile.size} file(s) in the slug, such as ${first}, need shared libraries the run stack lacks, so the app would fail at boot`,
    { hint: `if it is the runtime (say .heroku/node), pin an older version that works (engines.node in package.json, such as "22.x"); `
      + `if it is a native module, build it without that library, or deploy with a Dockerfile that installs the package; `
      + `set ${LIBRARY_CHECK_VAR}=off to deploy anyway` });
}

function remember(id: string): void {
  checkedBases.delete(id);
  checkedBases.add(id);
  if (checkedBases.size > MAX_CHECKED) checkedBases.delete(checkedBases.values().next().value!);
}

async function runCheck(input: LibraryCheckInput, skip: readonly string[]): Promise<string[]> {
  const container = await createBuildContainer(input.docker, {
    name: input.containerName,
    image: input.image,
    // The image's entrypoint sources .profile.d first, so LD_LIBRARY_PATH and the like count.
    command: ['bash', '-c', SCRIPT, 'berth-library-check', ...skip],
    env: {},
    labels: input.labels,
    user: `${BUILD_UID}:${BUILD_GID}`,
    workingDir: '/app',
    volumes: {},
    memoryBytes: 256 * 2 ** 20,
    cpus: 1,
    pidsLimit: 256,
  });
  try {
    const lines: string[] = [];
    const run = await container.run(input.timeoutMs ?? 120_000, (line) => lines.push(line));
    if (run.timedOut) lines.push('it took too long');
    return lines;
  } finally {
    await container.remove();
  }
}
