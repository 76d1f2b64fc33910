// Shipping a release image to the private registry, so every Swarm node (and
// any host) can pull it. The registry is Debian's docker-registry with
// htpasswd auth (deploy/swarm.md); TLS is trusted per engine through
// /etc/docker/certs.d/<host:port>/ca.crt.
//
// API (used by the swarm scheduler and by build workers on other hosts):
//   registryRef(registry, image)   'berth/app-x:v3' -> '<host:port>/berth/app-x:v3'
//   registryAuth(registry)         the authconfig dockerode takes (push, service create/update)
//   pushImage(docker, registry, image): Promise<string>
//       tags `image` (a local image on `docker`) as its registry ref and pushes
//       it; resolves the ref; throws BerthError('registry_push_failed', 502) with
//       the registry's own message (bad password, unreachable, untrusted CA).
import type { RegistryConfig } from '../config/index.js';
import { BerthError } from '../shared/errors.js';
import type { Docker } from './client.js';

export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
  readonly serveraddress: string;
}

export function registryRef(registry: RegistryConfig, image: string): string {
  return image.startsWith(`${registry.address}/`) ? image : `${registry.address}/${image}`;
}

export function registryAuth(registry: RegistryConfig): RegistryAuth | undefined {
  if (!registry.username) return undefined;
  return { username: registry.username, password: registry.password ?? '', serveraddress: registry.address };
}

function splitRef(ref: string): { repo: string; tag: string } {
  const at = ref.lastIndexOf(':');
  const slash = ref.lastIndexOf('/');
  return at > slash ? { repo: ref.slice(0, at), tag: ref.slice(at + 1) } : { repo: ref, tag: 'latest' };
}

const failed = (registry: RegistryConfig, why: string) => new BerthError('registry_push_failed', `pushing the image to the registry ${registry.address} failed: ${why}`, {
    hint: 'check BERTH_REGISTRY, BERTH_REGISTRY_USER/_PASSWORD and that this engine trusts the registry (deploy/swarm.md)',
  });

export async function pushImage(docker: Docker, registry: RegistryConfig, image: string): Promise<string> {
  const ref = registryRef(registry, image);
  const { repo, tag } = splitRef(ref);
  if (ref !== image) await docker.getImage(image).tag({ repo, tag });
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.getImage(ref).push({ authconfig: registryAuth(registry) } as object);
  } catch (err) {
    throw failed(registry, (err as Error).message);
  }
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
      if (err) return reject(failed(registry, err.message));
      const bad = events.find((e) => e.error || e.errorDetail);
      if (bad) return reject(failed(registry, bad.errorDetail?.message ?? bad.error ?? 'unknown error'));
      resolve();
    });
  });
  return ref;
}
