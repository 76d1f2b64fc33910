// services, services:info: what each service is and how it does (state and
// health from the runtime; version and size on disk asked of the service
// itself), which apps it is linked to under which var, and its last backup.
// Never its password or URL: `read` tokens may see this.
import { getServiceLinks, listServiceNames } from '../../store/services.js';
import type { OpsDeps } from '../deps.js';
import { requireService, type ServiceContext } from './lookup.js';
import { execText } from './ready.js';

export interface ServiceInfo {
  readonly name: string;
  readonly kind: string;
  readonly image: string;
  readonly createdAt: string;
  /** running, restarting, exited, missing, ... */
  readonly status: string;
  /** healthy, unhealthy, starting; undefined while Docker has no verdict. */
  readonly health: string | null;
  readonly version: string | null;
  readonly sizeBytes: number | null;
  /** The host name linked apps reach it by. */
  readonly host: string;
  readonly links: { app: string; envVar: string }[];
  /** Filled by backups (svc-backup); null until the first. */
  readonly lastBackup: unknown;
}

async function sizeOf(ctx: ServiceContext): Promise<number | null> {
  const out = await execText(ctx, ['du', '-sb', ctx.kind.dataPath]);
  const n = Number(out?.split(/\s/)[0]);
  return Number.isFinite(n) && out ? n : null;
}

function parseBackup(raw: string | undefined): unknown {
  if (!raw) return null;
  try { return JSON.parse(raw); } catch { return null; }
}

async function describe(ctx: ServiceContext, deps: OpsDeps, detail: boolean): Promise<ServiceInfo> {
  const { record } = ctx;
  const st = await ctx.runtime.state(record.name);
  const running = st.state === 'running';
  const links = Object.entries(await getServiceLinks(deps.redis, record.name))
    .map(([app, envVar]) => ({ app, envVar })).sort((a, b) => a.app.localeCompare(b.app));
  return {
    name: record.name, kind: record.kind, image: record.image, createdAt: new Date(record.createdAt).toISOString(),
    status: st.state, health: st.health ?? null,
    version: detail && running ? (await execText(ctx, ctx.kind.versionCommand(ctx.secrets)))?.split('\n')[0] ?? null : null,
    sizeBytes: detail && running ? await sizeOf(ctx) : null,
    host: ctx.runtime.hostOf(record.name),
    links,
    lastBackup: parseBackup(record.lastBackup),
  };
}

export async function servicesInfo(input: { name: unknown }, deps: OpsDeps): Promise<ServiceInfo> {
  return describe(await requireService(input.name, deps), deps, true);
}

/** Every service, without the exec'd details (version, size), so the list stays quick. */
export async function servicesList(_input: Record<string, never>, deps: OpsDeps): Promise<ServiceInfo[]> {
  const out: ServiceInfo[] = [];
  for (const name of await listServiceNames(deps.redis)) {
    const ctx = await requireService(name, deps).catch(() => undefined);
    if (ctx) out.push(await describe(ctx, deps, false));
  }
  return out;
}
