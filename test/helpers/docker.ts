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
    if (ids.length) docker('rm', '-f', '-v', ...ids);
    // One image at a time, over a few passes: a buildpack app's layer image is
    // the parent of its release images and refuses to go before them.
    for (let pass = 0; pass < 3; pass++) {
      const images = docker('images', '-q', '--filter', `label=berth.app=${app}`);
      if (!images) break;
      for (const id of new Set(images.split('\n'))) {
        try { docker('rmi', '-f', id); } catch { /* a child still uses it, or it is gone */ }
      }
    }
    // The build cache volume (berth-cache-<app>) and the app's own network, once its containers are gone.
    const volumes = docker('volume', 'ls', '-q', '--filter', `label=berth.app=${app}`);
    if (volumes) { try { docker('volume', 'rm', '-f', ...volumes.split('\n')); } catch { /* in use by a straggler: fine */ } }
    const nets = docker('network', 'ls', '-q', '--filter', `label=berth.app=${app}`);
    if (nets) { try { docker('network', 'rm', ...nets.split('\n')); } catch { /* in use by a straggler: fine */ } }
  }
}

/** Everything a test's backing services left (containers, networks, volumes), by their label only. */
export function removeServiceObjects(names: string[]): void {
  for (const n of names) {
    const f = ['--filter', `label=berth.service=${n}`];
    const ids = docker('ps', '-aq', ...f);
    if (ids) docker('rm', '-f', ...ids.split('\n'));
    for (const kind of ['network', 'volume']) {
      const found = docker(kind, 'ls', '-q', ...f);
      if (found) { try { docker(kind, 'rm', ...found.split('\n')); } catch { /* gone meanwhile */ } }
    }
  }
}
