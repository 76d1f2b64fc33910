// Backing services on Swarm (runtime/service-runtime.ts): one Swarm service
// per backing service, pinned to the manager's node (its data volume is a
// local volume there, and exec, logs and restores reach the task's container
// through the manager's own engine), on an overlay network of its own. A link
// attaches the service to the app's overlay (berth-swarm-<app>) under its
// name, so the app's tasks on every node reach it there and no other app can.
// Attaching or detaching a network is a service update: the task restarts
// (seconds), its data stays on the volume.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { tailLogs } from '../../docker/containers.js';
import { execIn, runWithVolume } from '../../docker/exec.js';
import { SERVICE_LABEL, serviceContainerName, serviceLabels, serviceVolumeName } from '../../docker/service-container.js';
import { BerthError } from '../../shared/errors.js';
import type { ServiceRuntime, ServiceSpec, ServiceState } from '../service-runtime.js';
import { ensureOverlay, type SwarmDeps } from './services.js';
import { overlayName } from './service-spec.js';

const SEC = 1e9;
const svcOverlay = (name: string) => `berth-svc-${name}`;
const gone = (err: unknown) => (err as { statusCode?: number }).statusCode === 404;
type Spec = Record<string, any>;

/** Polls `done` every half second until it holds or `ms` pass; says which. */
async function until(done: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(500)) if (await done()) return true;
  return done();
}

export function swarmServiceRuntime(deps: SwarmDeps): ServiceRuntime {
  const { docker, config } = deps;

  async function inspect(name: string): Promise<{ id: string; version: number; spec: Spec } | undefined> {
    const s = await docker.getService(serviceContainerName(name)).inspect().catch((err) => { if (gone(err)) return undefined; throw err; });
    if (!s || (s.Spec as Spec)?.Labels?.[SERVICE_LABEL] !== name) return undefined;
    return { id: s.ID, version: s.Version?.Index ?? 0, spec: s.Spec as Spec };
  }

  /** The running task's container on this (the manager's) engine. */
  async function taskContainer(name: string): Promise<string | undefined> {
    const found = await docker.listContainers({ filters: { label: [`${SERVICE_LABEL}=${name}`, 'com.docker.swarm.service.name'], status: ['running'] } });
    return found[0]?.Id;
  }

  async function mustContainer(name: string): Promise<string> {
    const id = await taskContainer(name);
    if (!id) throw new BerthError('service_not_running', `the service ${name} has no running task on this node`, { hint: `see berth services:info ${name}` });
    return id;
  }

  async function update(name: string, change: (spec: Spec) => void): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const s = await inspect(name);
      if (!s) throw new BerthError('service_missing', `the Swarm service of ${name} is missing`, { hint: `run berth services:restart ${name} to make it again` });
      change(s.spec);
      try {
        await docker.getService(s.id).update({ version: s.version, ...s.spec });
        return;
      } catch (err) {
        // "update out of sequence": someone else updated it meanwhile; read it again.
        if (!/out of sequence/i.test((err as Error).message ?? '')) throw err;
        await sleep(200);
      }
    }
  }

  /** An update that restarts the task: returns once the old task's container is gone, so a health check that follows sees the new one. */
  async function updateAndWait(name: string, change: (spec: Spec) => void): Promise<void> {
    const before = await taskContainer(name);
    await update(name, change);
    if (before) await until(async () => (await taskContainer(name)) !== before, 60_000);
  }

  /** Scaled to 0, the task's container stops a moment later: an offline restore must not write the volume under it. */
  async function stopTask(name: string): Promise<void> {
    await update(name, (s) => { s.Mode = { Replicated: { Replicas: 0 } }; });
    if (!(await until(async () => (await taskContainer(name)) === undefined, 60_000))) {
      throw new BerthError('service_not_stopped', `the task of ${name} did not stop within 60 s`, { expose: true, hint: `see berth services:logs ${name}` });
    }
  }

  async function managerNode(): Promise<string> {
    const info = await docker.info() as { Swarm?: { NodeID?: string } };
    if (!info.Swarm?.NodeID) throw new BerthError('swarm_inactive', 'this engine is not part of a Swarm', { hint: 'see deploy/swarm.md' });
    return info.Swarm.NodeID;
  }

  async function create(spec: ServiceSpec): Promise<void> {
    const labels = serviceLabels(spec.name, spec.kind);
    const volume = serviceVolumeName(spec.name);
    await docker.createVolume({ Name: volume, Labels: { ...labels, 'berth.volume': 'service-data' } });
    await docker.createNetwork({ Name: svcOverlay(spec.name), Driver: 'overlay', Attachable: true, Internal: true, CheckDuplicate: true, Labels: labels })
      .catch((err: { statusCode?: number }) => { if (err.statusCode !== 409) throw err; });
    // A plain object: the Engine API's ContainerSpec.Healthcheck, which dockerode's types misspell.
    const body: Record<string, unknown> = {
      Name: serviceContainerName(spec.name),
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: spec.image, Args: [...spec.cmd], User: spec.user, Labels: labels, Init: true, CapabilityDrop: ['ALL'],
          Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
          Mounts: [{ Type: 'volume', Source: volume, Target: spec.dataPath }],
          Healthcheck: { Test: ['CMD', ...spec.health], Interval: 10 * SEC, Timeout: 5 * SEC, Retries: 3, StartPeriod: 60 * SEC },
          StopGracePeriod: 30 * SEC,
        },
        Resources: { Limits: { MemoryBytes: config.services.memoryBytes, NanoCPUs: config.services.cpus ? Math.round(config.services.cpus * SEC) : undefined, Pids: config.services.pidsLimit } },
        RestartPolicy: { Condition: 'any', Delay: 2 * SEC },
        Placement: { Constraints: [`node.id==${await managerNode()}`] },
        Networks: [{ Target: svcOverlay(spec.name), Aliases: [spec.name] }],
        LogDriver: { Name: 'json-file', Options: { 'max-size': '10m', 'max-file': '3' } },
      },
      Mode: { Replicated: { Replicas: 1 } },
      // DNS answers the task's own address: one task needs no virtual IP (IPVS) in front of it.
      EndpointSpec: { Mode: 'dnsrr' },
      // One task at a time, never two on one data directory.
      UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'pause' },
    };
    await docker.createService(body);
  }

  return {
    async start(spec) {
      if (!(await inspect(spec.name))) await create(spec);
    },

    handle: (spec: ServiceSpec) => ({
      exec: async (cmd, opts) => execIn(docker, await mustContainer(spec.name), cmd, opts),
      stop: () => stopTask(spec.name),
      start: () => update(spec.name, (s) => { s.Mode = { Replicated: { Replicas: 1 } }; }),
      runWithVolume: (cmd, opts) => runWithVolume(docker, {
        name: `berth-svc-${spec.name}-task-${randomBytes(3).toString('hex')}`, image: spec.image, volume: serviceVolumeName(spec.name),
        mountPath: spec.dataPath, labels: { ...serviceLabels(spec.name, spec.kind), 'berth.role': 'service-task' }, user: spec.user,
        memoryBytes: config.services.memoryBytes,
      }, cmd, opts),
    }),

    async link(service, app) {
      const overlay = await ensureOverlay(deps, app);
      const id = ((await docker.getNetwork(overlay).inspect()) as { Id: string }).Id;
      let changed = false;
      const change = (s: Spec) => {
        const nets = (s.TaskTemplate.Networks ?? []) as { Target: string }[];
        if (!nets.some((n) => n.Target === overlay || n.Target === id)) { nets.push({ Target: overlay, Aliases: [serviceContainerName(service)] } as { Target: string }); changed = true; }
        s.TaskTemplate.Networks = nets;
      };
      const now = await inspect(service);
      if (now) change(structuredClone(now.spec));
      if (changed) await updateAndWait(service, change);
      return serviceContainerName(service);
    },

    hostOf: (service) => serviceContainerName(service),

    async unlink(service, app) {
      const now = await inspect(service);
      if (!now) return;
      // The spec names networks by id once Swarm has resolved them: compare both.
      const net = await docker.getNetwork(overlayName(app)).inspect().catch(() => undefined) as { Id?: string } | undefined;
      const other = (n: { Target: string }) => n.Target !== overlayName(app) && n.Target !== net?.Id;
      const nets = (now.spec.TaskTemplate.Networks ?? []) as { Target: string }[];
      if (nets.every(other)) return;
      await updateAndWait(service, (s) => { s.TaskTemplate.Networks = ((s.TaskTemplate.Networks ?? []) as { Target: string }[]).filter(other); });
    },

    async state(service): Promise<ServiceState> {
      if (!(await inspect(service))) return { state: 'missing', health: undefined, startedAt: undefined, restartCount: 0 };
      const id = await taskContainer(service);
      const info = id ? await docker.getContainer(id).inspect().catch(() => undefined) : undefined;
      // Between tasks (an update, a restart) no container runs: Swarm is starting one.
      if (!info) return { state: 'restarting', health: undefined, startedAt: undefined, restartCount: 0 };
      return { state: info.State.Status, health: info.State.Health?.Status, startedAt: info.State.StartedAt, restartCount: 0 };
    },

    async logs(service, lines) {
      const id = await taskContainer(service);
      return id ? tailLogs(docker, id, lines) : [];
    },

    async restart(service) {
      await updateAndWait(service, (s) => { s.TaskTemplate.ForceUpdate = (s.TaskTemplate.ForceUpdate ?? 0) + 1; });
    },

    async remove(service) {
      const s = await inspect(service);
      if (s) await docker.getService(s.id).remove().catch((err) => { if (!gone(err)) throw err; });
      // The task's container detaches from the volume and network a moment after.
      await until(async () => (await docker.listContainers({ all: true, filters: { label: [`${SERVICE_LABEL}=${service}`, 'com.docker.swarm.service.name'] } })).length === 0, 30_000);
      const net = docker.getNetwork(svcOverlay(service));
      const ni = await net.inspect().catch(() => undefined) as { Labels?: Record<string, string> } | undefined;
      if (ni?.Labels?.[SERVICE_LABEL] === service) await net.remove().catch(() => {});
      const vol = docker.getVolume(serviceVolumeName(service));
      const vi = await vol.inspect().catch(() => undefined);
      if (vi?.Labels?.[SERVICE_LABEL] === service) await vol.remove();
    },
  };
}
