// app.json's deployment tasks, in Dokku's order around a push's deploy:
//   build -> predeploy (changes committed into vN's image) -> release
//   command -> start, check, switch -> postdeploy (one-off, changes dropped).
// Both run with the release's config vars, through the Scheduler. Only a
// push runs them: a config change or rollback reuses an image whose
// predeploy already ran, and is not a new deploy of the code.
import { BerthError } from '../shared/errors.js';
import type { BuildLog } from '../shared/build-log.js';
import type { Release } from '../shared/types.js';
import type { Scheduler } from '../runtime/scheduler.js';
import { lineSplitter } from '../shared/line-splitter.js';

export interface ScriptDeps {
  readonly scheduler: Scheduler;
  /** Time a script may take; then it is killed and counts as failed. */
  readonly timeoutMs: number;
}

/** Output as detail lines, split on newlines whatever the chunking. */
function lineSink(log: BuildLog): { onOutput: (s: 'stdout' | 'stderr', text: string) => void; end(): void } {
  const lines = lineSplitter((l) => log.raw(l));
  return { onOutput: (_s, text) => lines.push(text), end: () => lines.end() };
}

function failed(phase: 'predeploy' | 'postdeploy', code: number, signal: AbortSignal, timeoutMs: number, hint: string): BerthError {
  const why = signal.aborted ? `took longer than ${Math.round(timeoutMs / 1000)} s and was stopped` : `exited with code ${code}`;
  return new BerthError(`${phase}_failed`, `app.json's scripts.dokku.${phase} ${why}`, { hint });
}

export async function runPredeploy(release: Release, command: string | undefined, log: BuildLog, deps: ScriptDeps): Promise<void> {
  if (!command) return;
  log.step(`Running predeploy (app.json): ${command}`);
  const sink = lineSink(log);
  const signal = AbortSignal.timeout(deps.timeoutMs);
  const { code } = await deps.scheduler.runAndCommit(release, { command, process: 'predeploy', onOutput: sink.onOutput, signal })
    .catch((err: Error) => {
      // E.g. an image without /bin/sh: the user's to fix, so say what Docker said.
      throw new BerthError('predeploy_failed', `app.json's scripts.dokku.predeploy could not run in the new image: ${err.message}`,
        { hint: 'predeploy runs under /bin/sh in the built image; nothing was deployed' });
    })
    .finally(() => sink.end());
  if (code !== 0) {
    throw failed('predeploy', code, signal, deps.timeoutMs, 'fix scripts.dokku.predeploy in app.json (its output is above); nothing was deployed');
  }
  log.detail(`predeploy changes committed to v${release.version}'s image`);
}

/**
 * Runs after the release took traffic, so its failure cannot undo the
 * deploy: it is returned (for the push to report and fail, as Dokku does),
 * never thrown.
 */
export async function runPostdeploy(release: Release, command: string | undefined, log: BuildLog, deps: ScriptDeps): Promise<BerthError | undefined> {
  if (!command) return undefined;
  log.step(`Running postdeploy (app.json): ${command}`);
  const sink = lineSink(log);
  const signal = AbortSignal.timeout(deps.timeoutMs);
  try {
    const result = await deps.scheduler.run(release, { command, detach: false, process: 'postdeploy', onOutput: sink.onOutput, signal });
    sink.end();
    const code = 'code' in result ? result.code : 0;
    if (code === 0) return undefined;
    return failed('postdeploy', code, signal, deps.timeoutMs,
      `v${release.version} is live and serving: postdeploy runs after the switch. Fix scripts.dokku.postdeploy in app.json (its output is above)`);
  } catch (err) {
    sink.end();
    return new BerthError('postdeploy_failed', `app.json's scripts.dokku.postdeploy could not run: ${(err as Error).message}`,
      { expose: true, hint: `v${release.version} is live and serving` });
  }
}
