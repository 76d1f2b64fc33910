// What the runner's status line (/berth/out/status) and the container's end
// mean for the pusher: each failure gets a stable code, a sentence saying
// what failed and why, and a hint saying how to fix it.
import { readdir } from 'node:fs/promises';
import type { BuildRun } from '../../docker/build-container.js';
import { BerthError, type ErrorCode } from '../../shared/errors.js';
import { buildpackInfo, DETECTION_ORDER, type BuildpackPlan } from './order.js';

export interface OutcomeContext {
  readonly run: BuildRun;
  readonly status: string | undefined;
  readonly plan: BuildpackPlan;
  readonly sourceDir: string;
  readonly timeoutMs: number;
  readonly memoryBytes: number;
}

async function rootFiles(dir: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries.map((e) => (e.isDirectory() ? `${e.name}/` : e.name)).sort();
  return names.length === 0 ? '(none)' : names.slice(0, 25).join(' ') + (names.length > 25 ? ` ... (${names.length} in all)` : '');
}

const fail = (code: ErrorCode, message: string, hint: string) => new BerthError(code, message, { hint });

/** Throws the failure the build ended with; returns when it succeeded. */
export async function checkOutcome(ctx: OutcomeContext): Promise<void> {
  const { run, plan } = ctx;
  if (run.timedOut) {
    throw fail('build_timeout', `the buildpack build took longer than ${Math.round(ctx.timeoutMs / 1000)} s and was stopped`,
      'make the build faster (the cache helps from the second push on), or raise BERTH_BUILD_TIMEOUT_SEC on the server');
  }
  const [word = '', bp = '', code = ''] = (ctx.status ?? '').split(' ');
  // 137 = SIGKILL, which inside a build almost always means the OOM killer.
  const killed = run.exitCode === 137 && ctx.status === undefined || (word === 'compile-failed' && code === '137');
  if (run.oomKilled || killed) {
    throw fail('build_out_of_memory', `the buildpack build was killed for using more than the build memory limit (${Math.round(ctx.memoryBytes / 1048576)} MiB)`,
      'make the build use less memory, or raise BERTH_BUILD_MEMORY_MB on the server');
  }
  switch (word) {
    case 'ok':
      return;
    case 'no-buildpack': {
      const looked = DETECTION_ORDER.map((b) => `${b.looksFor} (${b.name})`).join(', ');
      throw fail('no_buildpack_detected', `no buildpack recognised this app: looked for a Dockerfile, ${looked}`,
        `files at the repo root: ${await rootFiles(ctx.sourceDir)}. Add one of those files, or name a buildpack in .buildpacks, commit, and push again`);
    }
    case 'incompatible':
      throw fail('buildpack_not_compatible', `the ${bp} buildpack, named by ${plan.source}, does not recognise this app: it looks for ${buildpackInfo(bp).looksFor}`,
        `files at the repo root: ${await rootFiles(ctx.sourceDir)}. Add what it looks for, or change ${plan.source}`);
    case 'compile-failed':
      throw fail('buildpack_compile_failed', `the ${bp} buildpack could not build the app (bin/compile exited with status ${code})`,
        'the lines above say what went wrong; fix it, commit, and push again');
    case 'release-failed':
      throw fail('buildpack_release_failed', `the ${bp} buildpack's bin/release failed (exit status ${code})`,
        'the lines above say what went wrong; this is a fault of the buildpack');
    default:
      throw fail('buildpack_runner_failed', `the build container stopped before the buildpacks finished (exit status ${run.exitCode})`,
        'the lines above say what went wrong; push again, and if it repeats, check the server log');
  }
}
