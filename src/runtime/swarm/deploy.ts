// Swarm deploy: each process type's service is created or rolled (start-first,
// rollback on failure) to the release, then Berth checks what Swarm reports
// healthy (app.json's content checks, which a shell probe cannot do) and
// routes it. A failure after some services rolled puts those back too.
import type { BuildLog } from '../../shared/build-log.js';
import { releaseTag, type Release } from '../../shared/types.js';
import type { DeployOptions, DeployOutcome, Formation } from '../scheduler.js';
import { runHealthChecks } from '../docker-local/health-check.js';
import { BerthError } from '../../shared/errors.js';
import { waitForReplicas, waitForUpdate, type BootError } from './converge.js';
import { refreshSwarmRoutes, serves } from './routes.js';
import { serviceSpec } from './service-spec.js';
import { appServices, ensureOverlay, nodeAddresses, serviceTasks, type SwarmDeps } from './services.js';
import { shipImage, type Shipped } from './ship-image.js';
import { retireSwarm } from './retire.js';
import { keepSwarmStandby } from './standby.js';

interface Changed { readonly id: string; readonly type: string; readonly created: boolean; readonly replicas: number }

async function rollOut(deps: SwarmDeps, release: Release, wanted: [string, number][], shipped: Shipped, opts: DeployOptions): Promise<Changed[]> {
  const existing = await appServices(deps, release.app);
  const network = await ensureOverlay(deps, release.app);
  const changed: Changed[] = [];
  for (const [type, replicas] of wanted) {
    const ex = existing.find((s) => s.type === type);
    if (!ex && replicas === 0) continue;
    const forceUpdate = ((ex?.spec.TaskTemplate?.ForceUpdate as number | undefined) ?? 0) + 1;
    const spec = await serviceSpec(deps.docker, deps.config, { release, type, replicas, image: shipped.image, network, resources: opts.resources, forceUpdate, stopFirst: opts.stopFirst });
    if (ex) {
      // (auth, spec): dockerode sends the auth as X-Registry-Auth, which Swarm hands to every node's pull.
      await deps.docker.getService(ex.id).update(shipped.auth as never, { ...spec, version: ex.version } as never);
      changed.push({ id: ex.id, type, created: false, replicas });
    } else {
      const svc = await deps.docker.createService(shipped.auth as never, spec as never) as unknown as { id: string };
      changed.push({ id: svc.id, type, created: true, replicas });
    }
  }
  return changed;
}

async function undo(deps: SwarmDeps, changed: Changed[]): Promise<void> {
  for (const c of changed) {
    const svc = deps.docker.getService(c.id);
    if (c.created) { await svc.remove().catch(() => {}); continue; }
    const info = await svc.inspect().catch(() => undefined) as { Version?: { Index: number }; PreviousSpec?: object; UpdateStatus?: { State?: string } } | undefined;
    // Swarm rolled a failed update back itself; a completed one goes back to its previous spec.
    if (!info?.PreviousSpec || info.UpdateStatus?.State?.startsWith('rollback')) continue;
    await svc.update({ ...info.PreviousSpec, version: info.Version?.Index } as never).catch((err: Error) => console.error(`rolling ${c.type} back: ${err.message}`));
  }
}

/** app.json's content checks, which Swarm's shell probe cannot make, against each web task of the release. */
async function checkWeb(deps: SwarmDeps, release: Release, serviceId: string): Promise<void> {
  const checks = release.healthchecks?.web ?? [];
  if (checks.length === 0) return;
  const tag = releaseTag(release.version);
  const [tasks, nodes] = await Promise.all([serviceTasks(deps, [serviceId]), nodeAddresses(deps)]);
  for (const t of tasks.filter((x) => serves(x) && x.release === tag)) {
    const host = nodes.get(t.nodeId);
    if (!host) continue;
    const why = await runHealthChecks(host, t.publishedPort!, `${release.app}.${deps.config.domain}`, checks, async () => true);
    if (why) throw new BerthError('boot_failed', `web.${t.slot} failed its health check: ${why} (on ${host}:${t.publishedPort})`);
  }
}

export async function deploySwarm(deps: SwarmDeps, release: Release, formation: Formation, log: BuildLog, opts: DeployOptions = {}): Promise<DeployOutcome> {
  const tag = releaseTag(release.version);
  const inScope = (type: string) => !opts.types || opts.types.includes(type);
  const wanted = Object.entries(formation).filter(([type]) => inScope(type) && type in release.processTypes);
  log.step(`Launching ${tag} on the swarm (${wanted.filter(([, n]) => n > 0).map(([t, n]) => `${t}=${n}`).join(' ') || 'no processes'})`);
  const shipped = await shipImage(deps, release, log);
  const since = Date.now();
  const changed = await rollOut(deps, release, wanted, shipped, opts);
  try {
    await Promise.all(changed.map((c) => c.created
      ? waitForReplicas(deps, c.id, c.type, tag, c.replicas)
      : waitForUpdate(deps, c.id, c.type, tag, since, c.replicas)));
    const web = changed.find((c) => c.type === 'web');
    const upstreams = inScope('web') ? await refreshSwarmRoutes(deps, release.app) : [];
    if (web && web.replicas > 0) {
      await checkWeb(deps, release, web.id);
      log.detail(`web is running on ${new Set(upstreams.map((u) => u.slice(0, u.lastIndexOf(':')))).size} node(s): ${upstreams.join(', ')}`);
    }
    const retire = () => retireSwarm(deps, release, opts);
    // Only a whole-release deploy's web service has the replaced release as its previous spec.
    const keepStandby = async () => { await retire(); return inScope('web') && !opts.stopFirst ? keepSwarmStandby(deps, release) : async () => {}; };
    return { upstreams, retire, keepStandby };
  } catch (err) {
    for (const l of (err as BootError).logLines ?? []) log.raw(l);
    await undo(deps, changed);
    if (inScope('web')) await refreshSwarmRoutes(deps, release.app).catch(() => {});
    throw err;
  }
}
