// One bare repository per app under <data>/repos. Every repo points its
// hooks at Berth's pre-receive hook and caps the pack size, so an oversized
// push is refused by git itself before anything is unpacked.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BerthConfig } from '../config/index.js';
import type { AppName } from '../shared/app-name.js';

const git = promisify(execFile);

export const reposDir = (config: BerthConfig) => path.join(config.dataDir, 'repos');
export const repoPath = (config: BerthConfig, app: AppName) => path.join(reposDir(config), `${app}.git`);
export const hooksDir = (config: BerthConfig) => path.join(config.dataDir, 'git-hooks');

async function configureRepo(config: BerthConfig, dir: string): Promise<void> {
  const set = (k: string, v: string) => git('git', ['config', '--file', path.join(dir, 'config'), k, v]);
  await set('core.hooksPath', hooksDir(config));
  await set('receive.maxInputSize', String(config.build.maxPushBytes));
  await set('receive.fsckObjects', 'true');
  // Heroku accepts force pushes; the build is what guards the app.
  await set('receive.denyNonFastForwards', 'false');
}

export async function ensureRepo(config: BerthConfig, app: AppName): Promise<string> {
  const dir = repoPath(config, app);
  if (existsSync(path.join(dir, 'HEAD'))) return dir;
  await mkdir(reposDir(config), { recursive: true });
  await git('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir]);
  await configureRepo(config, dir);
  return dir;
}

/** Re-applies Berth's settings to every repo, so config changes reach old repos. */
export async function refreshRepos(config: BerthConfig): Promise<void> {
  const names = await readdir(reposDir(config)).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.endsWith('.git')).map((n) => configureRepo(config, path.join(reposDir(config), n))));
}
