// The one place that imports dockerode. Everything else gets a `Docker`
// built from config, so DOCKER_HOST is read only by config/.
import Dockerode from 'dockerode';
import type { BerthConfig } from '../config/index.js';

export type Docker = Dockerode;

export function createDocker(config: BerthConfig): Docker {
  const host = config.dockerHost;
  if (!host) return new Dockerode({ socketPath: '/var/run/docker.sock' });
  if (host.startsWith('unix://')) return new Dockerode({ socketPath: host.slice('unix://'.length) });
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Dockerode({ host: url.hostname, port: Number(url.port || 2375) });
}

export async function pingDocker(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}
