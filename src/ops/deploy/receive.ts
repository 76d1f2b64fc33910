// deploy:receive — a pushed revision becomes a queued build. The git
// receiver calls this from its pre-receive hook; the log it returns is what
// the pusher sees as `remote:` lines.
import { rename } from 'node:fs/promises';
import { parseAppName } from '../../shared/app-name.js';
import { fail } from '../../shared/errors.js';
import { detail, failure, step } from '../../shared/push-output.js';
import { getApp } from '../../store/apps.js';
import { appsCreate } from '../apps/create.js';
import { appNotFound } from '../app-lookup.js';
import { appendLog, createBuild, followLog, getBuild, latestBuildId, newBuildId, type LogEvent } from '../../store/builds.js';
import { enqueueBuild } from '../../pipeline/build-life.js';
import type { BuildStatus } from '../../shared/types.js';
import { buildTarPath } from '../../pipeline/paths.js';
import { shareSource } from '../../pipeline/build-source.js';
import type { OpsDeps } from '../deps.js';

export interface ReceiveInput {
  readonly app: unknown;
  readonly rev: unknown;
  readonly ref: unknown;
  /** The revision's tree as a tar (git archive), moved into the build dir. */
  readonly tarPath: string;
  /** The first push of a new app, whose pack git has accepted: make the app now. */
  readonly create?: boolean;
}

export async function deployReceive(input: ReceiveInput, deps: OpsDeps): Promise<{ buildId: string }> {
  const app = parseAppName(input.app);
  if (typeof input.rev !== 'string' || !/^[0-9a-f]{40}$/.test(input.rev)) throw fail('invalid_rev', 'rev must be a 40-hex commit id');
  const ref = typeof input.ref === 'string' ? input.ref : 'refs/heads/main';
  if (input.create === true) await appsCreate({ name: app, ifMissing: true }, deps);
  if (!(await getApp(deps.redis, app))) throw appNotFound(app);
  const id = newBuildId();
  await rename(input.tarPath, buildTarPath(deps.config, id));
  // Before the build exists, so a worker never sees a build without its tree.
  await shareSource(deps, id);
  await createBuild(deps.redis, { id, app, rev: input.rev, ref });
  await appendLog(deps.redis, id, [step(`Building ${app} from ${input.rev.slice(0, 7)} (build ${id})`)], deps.config.build.logMaxLines);
  for (const old of await enqueueBuild(deps, { buildId: id, app })) {
    await appendLog(deps.redis, id, [detail(`(superseded the waiting build ${old})`)], deps.config.build.logMaxLines);
  }
  return { buildId: id };
}

/** builds:output — the build's log from the start, live until it ends. */
export function buildsFollow(buildId: string, deps: OpsDeps, signal?: AbortSignal): AsyncGenerator<LogEvent> {
  return followLog(deps.redis, buildId, signal);
}

/**
 * The pusher's view of a build: its log, then, if a newer push to the same
 * branch of the app was queued meanwhile, that push's outcome. Both pushes
 * asked git to move the branch from the same commit, so only one can; when
 * the newer one deploys, this push ends as superseded and leaves the branch
 * to it, so the branch and what serves agree (the newer push wins).
 */
export async function* pushFollow(buildId: string, deps: OpsDeps, signal?: AbortSignal): AsyncGenerator<LogEvent> {
  let end: BuildStatus | undefined;
  for await (const ev of followLog(deps.redis, buildId, signal)) {
    if ('end' in ev) end = ev.end;
    else yield ev;
  }
  if (end === undefined) return;
  const build = end === 'succeeded' ? await getBuild(deps.redis, buildId) : undefined;
  const first = build && (await newerPush(build.app, build.id, build.ref, deps));
  if (!build || !first) return yield { end };
  yield { line: step(`A newer push of ${build.app} (build ${first}) deploys after this one; waiting for it`) };
  const newer = await newerPushOutcome(build.app, build.id, build.ref, deps, signal);
  if (newer?.status === 'succeeded') {
    yield { line: failure(`The newer push (build ${newer.id}) deployed over this one; ${build.ref.replace('refs/heads/', '')} now points at its commit, not this one.`) };
    return yield { end: 'superseded' };
  }
  if (newer) yield { line: detail(`The newer push (build ${newer.id}) ended ${newer.status}; this push's release stays live.`) };
  yield { end };
}

/** The newest build of `app` queued after `after` for the same branch, if any. */
async function newerPush(app: string, after: string, ref: string, deps: OpsDeps): Promise<string | undefined> {
  const id = await latestBuildId(deps.redis, app);
  if (!id || id === after) return undefined;
  return (await getBuild(deps.redis, id))?.ref === ref ? id : undefined;
}

/** Waits for the newest push after `buildId` to end; one that is superseded in turn hands over to the next. */
async function newerPushOutcome(app: string, buildId: string, ref: string, deps: OpsDeps, signal?: AbortSignal): Promise<{ id: string; status: BuildStatus } | undefined> {
  for (let seen = buildId; ;) {
    const id = await newerPush(app, seen, ref, deps);
    if (!id) return undefined;
    const status = await endOf(id, deps, signal);
    if (status === undefined) return undefined;
    if (status !== 'superseded') return { id, status };
    seen = id;
  }
}

async function endOf(id: string, deps: OpsDeps, signal?: AbortSignal): Promise<BuildStatus | undefined> {
  for await (const ev of followLog(deps.redis, id, signal)) if ('end' in ev) return ev.end;
  return undefined;
}
