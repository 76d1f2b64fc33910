// Cleans up what a test's apps left in Docker, by Berth's labels only.
import { execFileSync } from 'node:child_process';

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

export function labelledContainers(app: string, all = true): string[] {
  const out = docker('ps', ...(all ? ['-a'] : []), '-q', '--filter', `label=berth.app=${app}`);
  return out ? out.split('\n') : [];
}

export function removeAppObjects(apps: string[]): void {
  for (const app of apps) {
    const ids = labelledContainers(app);
    if (ids.length) docker('rm', '-f', ...ids);
    const images = docker('images', '-q', '--filter', `label=berth.app=${app}`);
    if (images) {
      try { docker('rmi', '-f', ...new Set(images.split('\n'))); } catch { /* shared layers: fine */ }
    }
    // The app's own network (src/docker/networks.ts), once its containers are gone.
    const nets = docker('network', 'ls', '-q', '--filter', `label=berth.app=${app}`);
    if (nets) { try { docker('network', 'rm', ...nets.split('\n')); } catch { /* in use by a straggler: fine */ } }
  }
}
