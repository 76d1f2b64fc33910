// apps:status — what the dashboard's apps page shows for each app: its state
// (running, deploying, crashed, stopped, or new before the first deploy),
// release, formation, last deploy and requests per minute. Read from Redis
// only, in a few pipelined round trips (routes, builds, releases, metrics), so
// 100 apps cost no Docker call;
// one app (`app` given) also asks the scheduler whether a process crashed.
import { appUrl } from '../../config/index.js';
import type { AppName } from '../../shared/app-name.js';
import { effectiveFormation } from '../../runtime/scheduler.js';
import { listApps } from '../../store/apps.js';
import { readAppSnapshots, type AppSnapshot } from '../../store/app-snapshot.js';
import { allRoutes, readRequestCounts, type RouteEntry } from '../../store/routes.js';
import { requireApp } from '../app-lookup.js';
import type { OpsDeps } from '../deps.js';

export type AppState = 'running' | 'deploying' | 'crashed' | 'stopped' | 'new';

export interface AppStatus {
  readonly name: string;
  readonly state: AppState;
  readonly url: string;
  readonly currentRelease: number;
  readonly commit?: string;
  readonly deployedAt?: number;
  readonly formation: Record<string, number>;
  /** Healthy web replicas behind the router now. */
  readonly webUp: number;
  readonly build?: { readonly id: string; readonly status: string; readonly rev: string };
  /** Requests per minute, oldest first, ending with the current minute. */
  readonly rpm: number[];
}

export const SPARKLINE_MINUTES = 30;

function stateOf(s: { stopped: boolean; building: boolean; release: number; formation: Record<string, number>; webUp: number; crashed: boolean }): AppState {
  if (s.building) return 'deploying';
  if (s.release === 0) return 'new';
  if (s.stopped || Object.values(s.formation).every((n) => n === 0)) return 'stopped';
  if (s.crashed || ((s.formation.web ?? 0) > 0 && s.webUp === 0)) return 'crashed';
  return 'running';
}

function statusOf(snap: AppSnapshot, route: RouteEntry | undefined, rpm: number[], crashed: boolean, deps: OpsDeps): AppStatus {
  const { app, release, build } = snap;
  const formation = release ? effectiveFormation(release, snap.formation) : snap.formation;
  const building = build?.status === 'queued' || build?.status === 'running';
  const webUp = route?.upstreams.length ?? 0;
  return {
    name: app.name, url: appUrl(deps.config, app.name), currentRelease: app.currentRelease,
    state: stateOf({ stopped: snap.stopped, building, release: app.currentRelease, formation, webUp, crashed }),
    commit: release?.rev?.slice(0, 7), deployedAt: release?.createdAt, formation, webUp, rpm,
    build: build ? { id: build.id, status: build.status, rev: build.rev.slice(0, 7) } : undefined,
  };
}

export async function appsStatus(input: { app?: unknown }, deps: OpsDeps): Promise<AppStatus[]> {
  const one = input.app === undefined ? undefined : await requireApp(input.app, deps);
  const names: AppName[] = one ? [one.name] : await listApps(deps.redis);
  const [snaps, routes, counts, crashed] = await Promise.all([
    readAppSnapshots(deps.redis, names), allRoutes(deps.redis), readRequestCounts(deps.redis, names, SPARKLINE_MINUTES),
    one ? deps.scheduler.ps(one.name).then((ps) => ps.some((p) => p.crashed)) : false,
  ]);
  const byApp = new Map(routes.map((r) => [r.app, r]));
  return snaps.map((s) => statusOf(s, byApp.get(s.app.name), counts.get(s.app.name) ?? [], crashed, deps));
}
