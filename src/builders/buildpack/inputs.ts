// What goes into a build container before it starts: one small tar with the
// runner, the buildpacks, ENV_DIR and the directories the build writes to
// (all owned by the build user, the cache volume's root included), and the
// pushed tree as the host's `tar` streams it.
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Content } from '../../docker/build-container.js';
import { writeTar, type TarEntry } from './tar.js';

export const BUILD_UID = 1000;
export const BUILD_GID = 1000;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

async function treeEntries(root: string, prefix: string): Promise<TarEntry[]> {
  const entries: TarEntry[] = [{ name: prefix, type: 'dir', mode: 0o755 }];
  for (const d of (await readdir(root, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(root, d.name);
    const name = `${prefix}/${d.name}`;
    // `export` files are what a previous run left in a writable checkout.
    if (d.isDirectory()) entries.push(...(await treeEntries(full, name)));
    else if (d.isFile() && d.name !== 'export') {
      entries.push({ name, type: 'file', mode: (await stat(full)).mode, body: await readFile(full) });
    }
  }
  return entries;
}

/** The runner, the buildpacks, ENV_DIR and the empty app, out and cache dirs. */
export async function runnerTar(buildpacksDir: string, names: readonly string[], configVars: Readonly<Record<string, string>>): Promise<Buffer> {
  const entries: TarEntry[] = [
    { name: 'app', type: 'dir', mode: 0o755 },
    { name: 'cache', type: 'dir', mode: 0o755 },
    { name: 'berth', type: 'dir', mode: 0o755 },
    { name: 'berth/out', type: 'dir', mode: 0o755 },
    { name: 'berth/runner.sh', type: 'file', mode: 0o755, body: await readFile(path.join(buildpacksDir, 'runner.sh')) },
    { name: 'berth/env', type: 'dir', mode: 0o700 },
    { name: 'berth/buildpacks', type: 'dir', mode: 0o755 },
  ];
  for (const [k, v] of Object.entries(configVars)) {
    if (ENV_NAME.test(k)) entries.push({ name: `berth/env/${k}`, type: 'file', mode: 0o600, body: Buffer.from(v) });
  }
  for (const name of new Set(names)) entries.push(...(await treeEntries(path.join(buildpacksDir, name), `berth/buildpacks/${name}`)));
  return writeTar(entries, BUILD_UID, BUILD_GID);
}

/** The pushed tree as a tar owned by the build user, and a check that tar succeeded. */
export function sourceTar(sourceDir: string): { stream: Content; done: Promise<void> } {
  const child = spawn('tar', ['-c', '--numeric-owner', `--owner=${BUILD_UID}`, `--group=${BUILD_GID}`, '-C', sourceDir, '.'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar of the pushed tree failed: ${stderr.trim()}`))));
  });
  return { stream: child.stdout, done };
}
