// builds and builds:output — kept build records and their logs, replayable
// after the fact and followable while a build runs.
import { fail } from '../../shared/errors.js';
import { followLog, getBuild, listBuilds, type LogEvent } from '../../store/builds.js';
import type { Build } from '../../shared/types.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';
import { parseStreamId } from '../logs/read.js';

export async function buildsList(input: { app: unknown }, deps: OpsDeps): Promise<Build[]> {
  const app = await requireApp(input.app, deps);
  return listBuilds(deps.redis, app.name);
}

export async function buildsFind(input: { app: unknown; id: unknown }, deps: OpsDeps): Promise<Build> {
  const app = await requireApp(input.app, deps);
  const id = String(input.id ?? 'latest');
  const build = id === 'latest' ? (await listBuilds(deps.redis, app.name))[0] : await getBuild(deps.redis, id);
  if (!build || build.app !== app.name) throw fail('build_not_found', `${app.name} has no build ${id}`, 'see `berth builds <app>`');
  return build;
}

/** The build's whole log (or what follows entry `after`), live until it ends. */
export async function buildsOutput(
  input: { app: unknown; id: unknown; after?: unknown }, deps: OpsDeps, signal?: AbortSignal,
): Promise<{ build: Build; events: AsyncGenerator<LogEvent> }> {
  const build = await buildsFind(input, deps);
  return { build, events: followLog(deps.redis, build.id, signal, parseStreamId(input.after)) };
}
