// releases — newest first, with what made each one (a deploy of a commit, a
// config change, a rollback), its config diff against the release before it
// (keys only: values never leave through this list) and which one serves.
import type { Release } from '../../shared/types.js';
import { listReleases } from '../../store/apps.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

export interface ConfigDiff { readonly added: string[]; readonly changed: string[]; readonly removed: string[] }
export type ReleaseKind = 'deploy' | 'config' | 'rollback';

export function configDiff(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): ConfigDiff {
  const keys = (o: object) => Object.keys(o).sort();
  return {
    added: keys(after).filter((k) => !(k in before)),
    changed: keys(after).filter((k) => k in before && before[k] !== after[k]),
    removed: keys(before).filter((k) => !(k in after)),
  };
}

function kindOf(r: Release, previous: Release | undefined): ReleaseKind {
  if (r.description.startsWith('Rollback')) return 'rollback';
  // Every release has its own image tag; the build it came from is what tells a deploy.
  return !previous || r.buildId !== previous.buildId ? 'deploy' : 'config';
}

export async function releasesList(input: { app: unknown }, deps: OpsDeps) {
  const app = await requireApp(input.app, deps);
  const all = await listReleases(deps.redis, app.name);
  return all.map((r, i) => {
    const previous = all[i + 1];
    return {
      version: r.version, description: r.description, createdAt: r.createdAt, status: r.status,
      image: r.image, rev: r.rev, current: r.version === app.currentRelease,
      kind: kindOf(r, previous), configDiff: configDiff(previous?.config ?? {}, r.config),
      ...(r.failure ? { failure: r.failure } : {}),
    };
  });
}
