// Real git, as a user runs it: a working repo built from a sample app, and
// `git push` with the output captured.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT } from './berth.js';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Berth Test', GIT_AUTHOR_EMAIL: 'test@berth.invalid',
  GIT_COMMITTER_NAME: 'Berth Test', GIT_COMMITTER_EMAIL: 'test@berth.invalid',
  GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1',
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
}

// Every repo a test process made is removed when that process exits.
const made = new Set<string>();
process.once('exit', () => { for (const dir of made) rmSync(dir, { recursive: true, force: true }); });

/** A fresh repo holding a copy of apps/<sample>, committed on main. */
export async function sampleRepo(sample: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `berth-${sample}-`));
  made.add(dir);
  await cp(path.join(ROOT, 'apps', sample), dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'initial');
  return dir;
}

export async function commitFile(dir: string, file: string, content: string, message = `change ${file}`): Promise<void> {
  await writeFile(path.join(dir, file), content);
  git(dir, 'add', file);
  git(dir, 'commit', '-qm', message);
}

export interface PushResult { code: number; output: string }

export function push(dir: string, remote: string, ref = 'main', ...extra: string[]): Promise<PushResult> {
  return new Promise((resolve) => {
    const p = spawn('git', ['push', ...extra, remote, ref], { cwd: dir, env: { ...process.env, ...GIT_ENV } });
    let output = '';
    p.stdout.on('data', (d) => { output += d; });
    p.stderr.on('data', (d) => { output += d; });
    p.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
