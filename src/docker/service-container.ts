// The Docker objects of one backing service, all named berth-svc-<name> and
// labelled berth.service=<name>, berth.role=service (never berth.app, so the
// app sweeps and reconciles leave them alone):
//   a named volume (its data) -> an internal bridge network of its own ->
//   one container (limits, app hardening, health check, restart unless-stopped,
//   no published port) -> joined to each linked app's network under its name.
import { createHash } from 'node:crypto';
import { BerthError } from '../shared/errors.js';
import type { Docker } from './client.js';
import { limitedHostConfig } from './hardening.js';
import { LABEL } from './labels.js';
import { BRIDGE_PREFIX, ensureBerthNetwork, networkExists } from './networks.js';

export const SERVICE_LABEL = 'berth.service';
export const serviceContainerName = (name: string) => `berth-svc-${name}`;
export const serviceVolumeName = (name: string) => `berth-svc-${name}-data`;
export const serviceNetworkName = (name: string) => `berth-svc-${name}`;
const serviceBridge = (name: string) => `${BRIDGE_PREFIX}${createHash('sha256').update(`service:${name}`).digest('hex').slice(0, 10)}`;

export const serviceLabels = (name: string, kind: string) => ({ [SERVICE_LABEL]: name, [LABEL.role]: 'service', 'berth.service.kind': kind });
const owned = (labels: Record<string, string> | undefined | null, name: string) => labels?.[SERVICE_LABEL] === name;
const gone = (err: unknown) => (err as { statusCode?: number }).statusCode === 404;

/** One service's container as its kind describes it; runtime/service-runtime.ts hands it to either scheduler. */
export interface ServiceSpec {
  readonly name: string;
  readonly kind: string;
  readonly image: string;
  readonly cmd: readonly string[];
  readonly env: Record<string, string>;
  readonly user: string;
  readonly dataPath: string;
  readonly health: readonly string[];
}

/** The spec plus the limits and address pool of the local engine. */
export interface ServiceContainerSpec extends ServiceSpec {
  readonly memoryBytes: number;
  readonly cpus: number;
  readonly pidsLimit: number;
  readonly networkPool: string;
}

async function ensureVolume(docker: Docker, spec: ServiceContainerSpec): Promise<string> {
  const name = serviceVolumeName(spec.name);
  const existing = await docker.getVolume(name).inspect().catch((err) => { if (gone(err)) return undefined; throw err; });
  if (existing && !owned(existing.Labels, spec.name)) {
    throw new BerthError('service_volume_foreign', `a Docker volume named ${name} exists but was not made by Berth for ${spec.name}`,
      { hint: `choose another service name, or remove that volume (docker volume rm ${name})` });
  }
  if (!existing) await docker.createVolume({ Name: name, Labels: { ...serviceLabels(spec.name, spec.kind), 'berth.volume': 'service-data' } });
  return name;
}

/** Creates (or finds) the volume, network and container, and starts it. */
export async function ensureServiceContainer(docker: Docker, spec: ServiceContainerSpec): Promise<void> {
  const volume = await ensureVolume(docker, spec);
  const network = await ensureBerthNetwork(docker, {
    name: serviceNetworkName(spec.name), labels: { ...serviceLabels(spec.name, spec.kind) }, bridge: serviceBridge(spec.name), internal: true,
  }, spec.networkPool);
  const name = serviceContainerName(spec.name);
  const found = await docker.getContainer(name).inspect().catch((err) => { if (gone(err)) return undefined; throw err; });
  if (found && !owned(found.Config.Labels, spec.name)) {
    throw new BerthError('service_container_foreign', `a Docker container named ${name} exists but was not made by Berth`, { hint: 'choose another service name' });
  }
  if (!found) {
    await docker.createContainer({
      name, Image: spec.image, Cmd: [...spec.cmd], User: spec.user, Labels: serviceLabels(spec.name, spec.kind),
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      Healthcheck: { Test: ['CMD', ...spec.health], Interval: 10e9, Timeout: 5e9, Retries: 3, StartPeriod: 60e9 },
      HostConfig: {
        Binds: [`${volume}:${spec.dataPath}`],
        RestartPolicy: { Name: 'unless-stopped' },
        ...(await limitedHostConfig(docker, { ...spec, network })),
        // Postgres and Redis stop cleanly on SIGTERM given time.
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
      },
      StopTimeout: 30,
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [spec.name] } } },
    });
  }
  await docker.getContainer(name).start().catch((err: { statusCode?: number }) => { if (err.statusCode !== 304) throw err; });
}

/** Puts the service on another network (a linked app's), reachable there as berth-svc-<name>. */
export async function connectService(docker: Docker, name: string, network: string): Promise<void> {
  try {
    await docker.getNetwork(network).connect({ Container: serviceContainerName(name), EndpointConfig: { Aliases: [serviceContainerName(name)] } });
  } catch (err) {
    if (/already exists|already attached/i.test((err as Error).message ?? '')) return;
    throw err;
  }
}

export async function disconnectService(docker: Docker, name: string, network: string): Promise<void> {
  if (!(await networkExists(docker, network))) return;
  await docker.getNetwork(network).disconnect({ Container: serviceContainerName(name), Force: true }).catch((err: Error & { statusCode?: number }) => {
    if (gone(err) || /is not connected/i.test(err.message ?? '')) return;
    throw err;
  });
}

export interface ServiceContainerState {
  readonly state: string;
  readonly health: string | undefined;
  readonly startedAt: string | undefined;
  readonly restartCount: number;
  readonly networks: readonly string[];
}

export async function serviceContainerState(docker: Docker, name: string): Promise<ServiceContainerState | undefined> {
  const info = await docker.getContainer(serviceContainerName(name)).inspect().catch((err) => { if (gone(err)) return undefined; throw err; });
  if (!info || !owned(info.Config.Labels, name)) return undefined;
  return {
    state: info.State.Status, health: info.State.Health?.Status, startedAt: info.State.StartedAt,
    restartCount: info.RestartCount, networks: Object.keys(info.NetworkSettings.Networks ?? {}),
  };
}

/** Removes the container, then its network and (only when asked) its data volume; each only with the service's label. */
export async function removeServiceObjects(docker: Docker, name: string, opts: { keepVolume?: boolean } = {}): Promise<void> {
  const c = docker.getContainer(serviceContainerName(name));
  const info = await c.inspect().catch((err) => { if (gone(err)) return undefined; throw err; });
  if (info) {
    if (!owned(info.Config.Labels, name)) throw new BerthError('not_berth_owned', `refusing to remove ${info.Name}: it has no ${SERVICE_LABEL}=${name} label`);
    await c.stop({ t: 30 }).catch(() => {});
    await c.remove({ force: true }).catch((err) => { if (!gone(err)) throw err; });
  }
  const net = docker.getNetwork(serviceNetworkName(name));
  const ni = await net.inspect().catch((err: unknown) => { if (gone(err)) return undefined; throw err; }) as { Labels?: Record<string, string> } | undefined;
  if (ni && owned(ni.Labels, name)) await net.remove().catch((err) => { if (!gone(err)) throw err; });
  if (opts.keepVolume) return;
  const vol = docker.getVolume(serviceVolumeName(name));
  const vi = await vol.inspect().catch((err) => { if (gone(err)) return undefined; throw err; });
  if (vi && owned(vi.Labels, name)) await vol.remove().catch((err) => { if (!gone(err)) throw err; });
}
