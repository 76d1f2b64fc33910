// The standby of the watch after go-live, on Swarm. A rolling update
// replaces the web service's tasks in place, so the replaced release's tasks
// are gone once the deploy returns; its spec is not (the service's
// PreviousSpec). The standby is a service of its own made from that spec,
// labelled berth.role=standby, which the route lists as standby (routes.ts):
// the router sends it traffic only while the web service has no task that
// answers. It costs the old release's replicas for the watch window only,
// and is removed at its end, by any later deploy, and at a restart.
import { LABEL } from '../../docker/labels.js';
import { registryAuth } from '../../docker/registry-push.js';
import type { Release } from '../../shared/types.js';
import { releaseTag } from '../../shared/types.js';
import type { RetireStandby } from '../scheduler.js';
import { appServices, standbyServices, type SwarmDeps } from './services.js';

export const STANDBY_ROLE = 'standby';
export const standbyName = (app: string) => `berth-${app}-web-standby`;

/** Removes the app's standby services (of `only`, if given); the supervisor's next look drops them from the route. */
export async function removeStandby(deps: SwarmDeps, app: string, only?: string): Promise<void> {
  for (const s of await standbyServices(deps, app)) {
    if (!only || s.id === only) await deps.docker.getService(s.id).remove().catch(() => {});
  }
}

/** The web service's previous spec as a standby service; nothing when there was no previous release. */
export async function keepSwarmStandby(deps: SwarmDeps, release: Release): Promise<RetireStandby> {
  await removeStandby(deps, release.app);
  const web = (await appServices(deps, release.app)).find((s) => s.type === 'web');
  const prev = web?.previousSpec as Record<string, any> | undefined;
  const prevRelease = prev?.Labels?.[LABEL.release] as string | undefined;
  if (!prev || !prevRelease || prevRelease === releaseTag(release.version) || !(prev.Mode?.Replicated?.Replicas > 0)) return async () => {};
  const relabel = (labels: Record<string, string> | undefined) => ({ ...labels, [LABEL.role]: STANDBY_ROLE });
  const spec = {
    ...prev,
    Name: standbyName(release.app),
    Labels: relabel(prev.Labels),
    TaskTemplate: { ...prev.TaskTemplate, ContainerSpec: { ...prev.TaskTemplate?.ContainerSpec, Labels: relabel(prev.TaskTemplate?.ContainerSpec?.Labels) } },
  };
  const auth = deps.config.registry ? registryAuth(deps.config.registry) : undefined;
  const created = await deps.docker.createService(auth as never, spec as never) as unknown as { id: string };
  let retired: Promise<void> | undefined;
  return () => (retired ??= removeStandby(deps, release.app, created.id));
}
