// One bare repository per app under <data>/repos. Every repo points its
// hooks at Berth's pre-receive hook and caps the pack size, so an oversized
// push is refused by git itself before anything is unpacked.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BerthConfig } from '../config/index.js';
import { eachLimited } from '../shared/each-limited.js';
import type { AppName } from '../shared/app-name.js';

const git = promisify(execFile);

export const reposDir = (config: BerthConfig) => path.join(config.dataDir, 'repos');
export const repoPath = (config: BerthConfig, app: AppName) => path.join(reposDir(config), `${app}.git`);
export const hooksDir = (config: BerthConfig) => path.join(config.dataDir, 'git-hooks');
/** Where the first push of a new app is received, until it proves to be a real push. */
export const incomingDir = (config: BerthConfig) => path.join(config.dataDir, 'git-incoming');
/** The hook creates the app only for a repo that carries this marker. */
export const NEW_APP_MARKER = 'berth-new-app';

/** Berth's settings for every repo, as `git config` keys. */
const repoSettings = (config: BerthConfig): [string, string][] => [
  ['core.hooksPath', hooksDir(config)],
  ['receive.maxInputSize', String(config.build.maxPushBytes)],
  ['receive.fsckObjects', 'true'],
  // Heroku accepts force pushes; the build is what guards the app.
  ['receive.denyNonFastForwards', 'false'],
];
/** What a repo was last configured with: a start skips repos already up to date (four git processes each). */
const SETTINGS_STAMP = 'berth-settings';

async function configureRepo(config: BerthConfig, dir: string): Promise<void> {
  const settings = repoSettings(config);
  const stamp = JSON.stringify(settings);
  if ((await readFile(path.join(dir, SETTINGS_STAMP), 'utf8').catch(() => '')) === stamp) return;
  for (const [k, v] of settings) await git('git', ['config', '--file', path.join(dir, 'config'), k, v]);
  await writeFile(path.join(dir, SETTINGS_STAMP), stamp);
}

export const repoExists = (dir: string) => existsSync(path.join(dir, 'HEAD'));

const templatePath = (config: BerthConfig) => path.join(config.dataDir, 'git-template.git');

/**
 * An empty bare repo with Berth's settings, made at every start (so it
 * follows the config). New repos are copies of it, which costs no git
 * process; and an app without a repo advertises it, so a probe creates nothing.
 */
export async function makeTemplateRepo(config: BerthConfig): Promise<string> {
  const dir = templatePath(config);
  await rm(dir, { recursive: true, force: true });
  await git('git', ['init', '--quiet', '--bare', '--template=', '--initial-branch=main', dir]);
  await configureRepo(config, dir);
  return dir;
}

export async function ensureTemplateRepo(config: BerthConfig): Promise<string> {
  const dir = templatePath(config);
  return repoExists(dir) ? dir : makeTemplateRepo(config);
}

/** Copies the template to dir; a concurrent copy that got there first wins. */
async function initRepo(config: BerthConfig, dir: string): Promise<string> {
  const tmp = `${dir}.new-${randomBytes(4).toString('hex')}`;
  await cp(await ensureTemplateRepo(config), tmp, { recursive: true });
  await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
    await rm(tmp, { recursive: true, force: true });
    if (!repoExists(dir)) throw err;
  });
  return dir;
}

export async function ensureRepo(config: BerthConfig, app: AppName): Promise<string> {
  const dir = repoPath(config, app);
  if (repoExists(dir)) return dir;
  await mkdir(reposDir(config), { recursive: true });
  return initRepo(config, dir);
}

/** A fresh repo, outside repos/, for the first push of an app that does not exist yet. */
export async function createIncomingRepo(config: BerthConfig, app: AppName): Promise<string> {
  const dir = path.join(incomingDir(config), randomBytes(8).toString('hex'), `${app}.git`);
  await mkdir(path.dirname(dir), { recursive: true, mode: 0o700 });
  await initRepo(config, dir);
  await writeFile(path.join(dir, NEW_APP_MARKER), '');
  return dir;
}

/**
 * After git is done with an incoming repo: if its hook made the app (the
 * pack was sound and named main/master), it becomes the app's repo, unless
 * a concurrent first push got there first. Either way the staging dir goes.
 */
export async function settleIncomingRepo(config: BerthConfig, app: AppName, dir: string, appExists: boolean): Promise<void> {
  const target = repoPath(config, app);
  if (appExists && !repoExists(target)) {
    await rm(path.join(dir, NEW_APP_MARKER), { force: true });
    await mkdir(reposDir(config), { recursive: true });
    await rename(dir, target).catch(() => undefined);
  }
  await rm(path.dirname(dir), { recursive: true, force: true });
}

/** Incoming repos left by a server that died mid-push. */
export const clearIncoming = (config: BerthConfig) => rm(incomingDir(config), { recursive: true, force: true });

/** Re-applies Berth's settings to every repo whose settings changed, so config changes reach old repos. */
export async function refreshRepos(config: BerthConfig): Promise<void> {
  const dirs = (await readdir(reposDir(config)).catch(() => [] as string[])).filter((n) => n.endsWith('.git')).map((n) => path.join(reposDir(config), n));
  // A few at a time: after a settings change, every repo needs its git processes.
  await eachLimited(dirs, 8, (dir) => configureRepo(config, dir));
}
