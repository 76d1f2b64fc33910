// The app node's half of shipping an image: a build worker on another host
// pushed `berth/app-x:vN` to the registry (registry-push.ts); this node pulls
// it from the registry at the address it reaches it by, and tags it back as
// `berth/app-x:vN`, so the scheduler finds the release image as if built here.
import type { RegistryConfig } from '../config/index.js';
import { BerthError } from '../shared/errors.js';
import type { Docker } from './client.js';
import { registryAuth, registryRef } from './registry-push.js';

const failed = (registry: RegistryConfig, ref: string, why: string) => new BerthError('registry_pull_failed', `pulling ${ref} from the registry ${registry.address} failed: ${why}`, {
    hint: 'check BERTH_REGISTRY, BERTH_REGISTRY_USER/_PASSWORD on this node and that its Docker engine trusts the registry (deploy/workers.md)',
  });

export async function pullImage(docker: Docker, registry: RegistryConfig, image: string): Promise<void> {
  const ref = registryRef(registry, image);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(ref, { authconfig: registryAuth(registry) });
  } catch (err) {
    throw failed(registry, ref, (err as Error).message);
  }
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
      if (err) return reject(failed(registry, ref, err.message));
      const bad = events.find((e) => e.error || e.errorDetail);
      if (bad) return reject(failed(registry, ref, bad.errorDetail?.message ?? bad.error ?? 'unknown error'));
      resolve();
    });
  });
  const at = image.lastIndexOf(':');
  await docker.getImage(ref).tag({ repo: image.slice(0, at), tag: image.slice(at + 1) });
  // The registry name stays only as a tag of the same image: drop it, pruning keeps to berth/app-x:vN.
  await docker.getImage(ref).remove({ noprune: true }).catch(() => {});
}
