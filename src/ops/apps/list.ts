// apps — every app with its current release and URL.
import { getApp, listApps } from '../../store/apps.js';
import { appUrl } from '../../config/index.js';
import type { OpsDeps } from '../deps.js';

export interface AppSummary { name: string; createdAt: number; currentRelease: number; url: string }

export async function appsList(_input: unknown, deps: OpsDeps): Promise<AppSummary[]> {
  const names = await listApps(deps.redis);
  const apps = await Promise.all(names.map((n) => getApp(deps.redis, n)));
  return apps.filter((a) => a !== undefined).map((a) => ({ ...a, url: appUrl(deps.config, a.name) }));
}
