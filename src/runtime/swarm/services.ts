// Reading an app's services, tasks and nodes back from the Swarm manager,
// and the app's overlay network (its processes reach each other there, and
// other apps cannot).
import type Dockerode from 'dockerode';
import type { Docker } from '../../docker/client.js';
import { LABEL, berthLabels } from '../../docker/labels.js';
import type { BerthConfig } from '../../config/index.js';
import type { RedisHandle } from '../../store/redis.js';
import { overlayName } from './service-spec.js';

export interface SwarmDeps {
  readonly docker: Docker;
  readonly redis: RedisHandle;
  readonly config: BerthConfig;
}

export interface ServiceView {
  readonly id: string;
  readonly type: string;
  readonly release: string;
  readonly version: number;
  readonly replicas: number;
  readonly spec: Record<string, any>;
  readonly previousSpec: Record<string, any> | undefined;
  readonly updateState: string | undefined;
  readonly updateStartedAt: string | undefined;
  readonly updateMessage: string | undefined;
}

export interface TaskView {
  readonly id: string;
  readonly serviceId: string;
  readonly slot: number;
  readonly nodeId: string;
  readonly state: string;
  readonly desired: string;
  readonly error: string | undefined;
  /** The task's container's exit code, once it has stopped. */
  readonly exitCode: number | undefined;
  readonly release: string;
  readonly timestamp: string;
  readonly containerId: string | undefined;
  /** Host-mode published port of the task's target port, on its node. */
  readonly publishedPort: number | undefined;
}

function toService(s: Dockerode.Service): ServiceView {
  const spec = s.Spec as Record<string, any>;
  const labels = (spec.Labels ?? {}) as Record<string, string>;
  const us = (s as unknown as { UpdateStatus?: { State?: string; StartedAt?: string; Message?: string } }).UpdateStatus;
  return {
    id: s.ID,
    type: labels[LABEL.process] ?? 'web',
    release: labels[LABEL.release] ?? '',
    version: s.Version?.Index ?? 0,
    replicas: spec.Mode?.Replicated?.Replicas ?? 0,
    spec,
    previousSpec: (s as unknown as { PreviousSpec?: Record<string, any> }).PreviousSpec,
    updateState: us?.State,
    updateStartedAt: us?.StartedAt,
    updateMessage: us?.Message,
  };
}

// The standby of a watched release (standby.ts) is no process type of the app: it is read apart.
const isStandby = (s: Dockerode.Service) => (s.Spec?.Labels as Record<string, string> | undefined)?.[LABEL.role] === 'standby';

/** The app's process-type services. */
export async function appServices(deps: SwarmDeps, app: string): Promise<ServiceView[]> {
  const list = await deps.docker.listServices({ filters: { label: [`${LABEL.app}=${app}`] } });
  return list.filter((s) => !isStandby(s)).map(toService);
}

/** The app's standby service(s), kept through the watch after go-live. */
export async function standbyServices(deps: SwarmDeps, app: string): Promise<ServiceView[]> {
  const list = await deps.docker.listServices({ filters: { label: [`${LABEL.app}=${app}`, `${LABEL.role}=standby`] } });
  return list.map(toService);
}

export async function allAppServices(deps: SwarmDeps): Promise<ServiceView[]> {
  return (await deps.docker.listServices({ filters: { label: [LABEL.app] } })).filter((s) => !isStandby(s)).map(toService);
}

export async function inspectService(deps: SwarmDeps, id: string): Promise<ServiceView | undefined> {
  try {
    return toService(await deps.docker.getService(id).inspect());
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

export async function serviceTasks(deps: SwarmDeps, serviceIds: readonly string[]): Promise<TaskView[]> {
  if (serviceIds.length === 0) return [];
  const tasks = await deps.docker.listTasks({ filters: { service: [...serviceIds] } }) as Array<Record<string, any>>;
  return tasks.map((t) => {
    const labels = (t.Spec?.ContainerSpec?.Labels ?? {}) as Record<string, string>;
    const ports = (t.Status?.PortStatus?.Ports ?? []) as Array<{ PublishedPort?: number }>;
    return {
      id: t.ID, serviceId: t.ServiceID, slot: t.Slot ?? 0, nodeId: t.NodeID ?? '',
      state: t.Status?.State ?? 'unknown', desired: t.DesiredState ?? '', error: t.Status?.Err || undefined,
      exitCode: typeof t.Status?.ContainerStatus?.ExitCode === 'number' ? t.Status.ContainerStatus.ExitCode : undefined,
      release: labels[LABEL.release] ?? '', timestamp: t.Status?.Timestamp ?? t.CreatedAt ?? '',
      containerId: t.Status?.ContainerStatus?.ContainerID || undefined,
      publishedPort: ports[0]?.PublishedPort,
    };
  });
}

/** Node id -> the address other hosts reach it at (its advertise address). */
export async function nodeAddresses(deps: SwarmDeps): Promise<Map<string, string>> {
  const nodes = await deps.docker.listNodes() as Array<Record<string, any>>;
  const out = new Map<string, string>();
  for (const n of nodes) {
    let addr: string = n.Status?.Addr ?? '';
    // A manager may report 0.0.0.0 here; its manager address says where it is.
    if (!addr || addr === '0.0.0.0') addr = String(n.ManagerStatus?.Addr ?? '').replace(/:\d+$/, '');
    if (addr && n.Status?.State === 'ready') out.set(n.ID, addr);
  }
  return out;
}

export async function ensureOverlay(deps: SwarmDeps, app: string): Promise<string> {
  const name = overlayName(app);
  const found = await deps.docker.listNetworks({ filters: { name: [name] } });
  if (found.some((n) => n.Name === name)) return name;
  await deps.docker.createNetwork({
    Name: name, Driver: 'overlay', Attachable: true, CheckDuplicate: true,
    Labels: berthLabels(app, 'network', 'network', 'network'),
  }).catch((err) => {
    if ((err as { statusCode?: number }).statusCode !== 409) throw err;
  });
  return name;
}

/** Once the services are removed their tasks still detach for a moment: a few tries, then leave it. */
export async function removeOverlay(deps: SwarmDeps, app: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const gone = await deps.docker.getNetwork(overlayName(app)).remove()
      .then(() => true, (err: { statusCode?: number }) => err.statusCode === 404);
    if (gone) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
