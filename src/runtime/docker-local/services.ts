// Backing services on one Docker engine (runtime/service-runtime.ts): the
// service's container sits on its own internal network, and a link connects
// it to the app's network (networks.ts), so the app's containers and its
// `run` one-offs reach it by name while every other app's bridge is walled
// off by Docker's isolation chains, and the host's public ports never see it.
import { randomBytes } from 'node:crypto';
import { tailLogs } from '../../docker/containers.js';
import { execIn, runWithVolume } from '../../docker/exec.js';
import { ensureAppNetwork } from '../../docker/networks.js';
import {
  connectService, disconnectService, ensureServiceContainer, removeServiceObjects, serviceContainerName, serviceContainerState,
  serviceLabels, serviceVolumeName,
} from '../../docker/service-container.js';
import { appNetworkName } from '../../docker/networks.js';
import type { ServiceRuntime, ServiceSpec } from '../service-runtime.js';
import type { LocalDeps } from './processes.js';

export function localServiceRuntime(deps: LocalDeps): ServiceRuntime {
  const { docker, config } = deps;
  const limits = () => ({
    memoryBytes: config.services.memoryBytes, cpus: config.services.cpus, pidsLimit: config.services.pidsLimit, networkPool: config.runtime.networkPool,
  });
  const container = (name: string) => docker.getContainer(serviceContainerName(name));

  return {
    start: (spec) => ensureServiceContainer(docker, { ...spec, ...limits() }),

    handle: (spec: ServiceSpec) => ({
      // No default deadline: a backup streams as long as it needs; callers pass a signal or timeoutMs.
      exec: (cmd, opts) => execIn(docker, serviceContainerName(spec.name), cmd, opts),
      stop: async () => { await container(spec.name).stop({ t: 30 }).catch((err: { statusCode?: number }) => { if (err.statusCode !== 304) throw err; }); },
      start: async () => { await container(spec.name).start().catch((err: { statusCode?: number }) => { if (err.statusCode !== 304) throw err; }); },
      runWithVolume: (cmd, opts) => runWithVolume(docker, {
        name: `berth-svc-${spec.name}-task-${randomBytes(3).toString('hex')}`, image: spec.image, volume: serviceVolumeName(spec.name),
        mountPath: spec.dataPath, labels: { ...serviceLabels(spec.name, spec.kind), 'berth.role': 'service-task' }, user: spec.user,
        memoryBytes: config.services.memoryBytes,
      }, cmd, opts),
    }),

    async link(service, app) {
      await connectService(docker, service, await ensureAppNetwork(docker, app, config.runtime.networkPool));
      return serviceContainerName(service);
    },

    hostOf: (service) => serviceContainerName(service),

    unlink: (service, app) => disconnectService(docker, service, appNetworkName(app)),

    async state(service) {
      const s = await serviceContainerState(docker, service);
      return s ?? { state: 'missing', health: undefined, startedAt: undefined, restartCount: 0 };
    },

    logs: (service, lines) => tailLogs(docker, serviceContainerName(service), lines),

    async restart(service) {
      await container(service).restart({ t: 30 });
    },

    remove: (service) => removeServiceObjects(docker, service),
  };
}
