// Black-box harness for the buildpacks, Heroku's way: bin/detect,
// bin/compile and bin/release run in a berth/stack:bookworm-build container,
// outside Berth, on a copy of a fixture, with a cache dir kept between runs.
// The compiled app then runs on berth/stack:bookworm as a slug would.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/berth.js';
import { parseRelease, type ReleaseInfo } from '../../src/builders/buildpack/release-yaml.js';

export const BUILDPACKS = path.join(ROOT, 'buildpacks');
export const FIXTURES = path.join(ROOT, 'test/buildpacks/fixtures');
export const sample = (name: string) => path.join(ROOT, 'apps', name);
export const fixture = (name: string) => path.join(FIXTURES, name);

// As root the dirs go to the stack's `app` user; otherwise the containers run as us.
const asRoot = process.getuid?.() === 0;
const user = asRoot ? '1000:1000' : `${process.getuid?.()}:${process.getgid?.()}`;

export interface Workspace {
  readonly app: string;
  readonly cache: string;
  readonly env: string;
  /** berth.app label of the containers this workspace runs. */
  readonly label: string;
  cleanup(): Promise<void>;
}

async function chownTree(p: string): Promise<void> {
  if (!asRoot) return;
  await chown(p, 1000, 1000);
  for (const e of await readdir(p, { withFileTypes: true })) {
    const full = path.join(p, e.name);
    if (e.isDirectory()) await chownTree(full);
    else await chown(full, 1000, 1000).catch(() => {});
  }
}

/** A copy of `source` as BUILD_DIR, an empty CACHE_DIR and ENV_DIR holding `env`. */
export async function workspace(source: string, env: Record<string, string> = {}): Promise<Workspace> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-bp-'));
  const ws = { app: path.join(dir, 'app'), cache: path.join(dir, 'cache'), env: path.join(dir, 'env') };
  await cp(source, ws.app, { recursive: true });
  await mkdir(ws.cache);
  await mkdir(ws.env);
  for (const [k, v] of Object.entries(env)) await writeFile(path.join(ws.env, k), v);
  await chownTree(dir);
  const label = `bptest-${randomBytes(3).toString('hex')}`;
  return { ...ws, label, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface Run { readonly code: number; readonly output: string }

function docker(args: string[], timeoutMs = 600_000): Run {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function mounts(ws: Workspace, appMode = 'rw'): string[] {
  return ['-v', `${BUILDPACKS}:/bp:ro`, '-v', `${ws.app}:/app:${appMode}`, '-v', `${ws.cache}:/cache`, '-v', `${ws.env}:/env:ro`];
}

/** Runs `cmd` in the build stack, stdout and stderr merged in order. */
export function inBuildStack(ws: Workspace, cmd: string[], extraEnv: Record<string, string> = {}): Run {
  const env = Object.entries({ ...(asRoot ? {} : { HOME: '/tmp' }), ...extraEnv }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  return docker(['run', '--rm', '--label', `berth.app=${ws.label}`, '--label', 'berth.role=build', '--user', user,
    '--security-opt', 'no-new-privileges', ...env, ...mounts(ws), 'berth/stack:bookworm-build',
    'bash', '-c', '"$@" 2>&1', 'run', ...cmd]);
}

export const detect = (ws: Workspace, bp: string) => inBuildStack(ws, [`/bp/${bp}/bin/detect`, '/app']);
export const compile = (ws: Workspace, bp: string, env: Record<string, string> = {}) =>
  inBuildStack(ws, [`/bp/${bp}/bin/compile`, '/app', '/cache', '/env'], env);

export function release(ws: Workspace, bp: string): ReleaseInfo {
  const r = inBuildStack(ws, [`/bp/${bp}/bin/release`, '/app']);
  if (r.code !== 0) throw new Error(`bin/release exited ${r.code}: ${r.output}`);
  return parseRelease(r.output, bp);
}

/** Runs a shell command on the run stack in the compiled app, as a dyno: HOME=/app, .profile.d sourced. */
export function onRunStack(ws: Workspace, command: string): Run {
  return docker(['run', '--rm', '--label', `berth.app=${ws.label}`, '--label', 'berth.role=run', '--user', user,
    '-e', 'HOME=/app', '-w', '/app', '-v', `${ws.app}:/app:ro`, 'berth/stack:bookworm',
    'bash', '-c', 'for f in /app/.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done; eval "$1" 2>&1', 'dyno', command]);
}

/** Starts `command` on the run stack with PORT set and published on loopback; returns the URL and a stop. */
export function serveOnRunStack(ws: Workspace, command: string): { url: string; stop(): void } {
  const id = execFileSync('docker', ['run', '-d', '--label', `berth.app=${ws.label}`, '--label', 'berth.role=web', '--user', user,
    '-e', 'HOME=/app', '-e', 'PORT=5000', '-p', '127.0.0.1::5000', '-w', '/app', '-v', `${ws.app}:/app:ro`, 'berth/stack:bookworm',
    'bash', '-c', 'for f in /app/.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done; exec bash -c "$1"', 'dyno', command], { encoding: 'utf8' }).trim();
  const port = execFileSync('docker', ['port', id, '5000/tcp'], { encoding: 'utf8' }).split('\n')[0]!.split(':').pop();
  return { url: `http://127.0.0.1:${port}`, stop: () => { execFileSync('docker', ['rm', '-f', id], { stdio: 'ignore' }); } };
}

/**
 * One GET that settles on any answer, error or close. Not fetch: while the
 * container starts, docker-proxy accepts and drops connections, and node 20's
 * fetch can then leave its promise pending with nothing keeping the event
 * loop alive, which ends the test run ("Promise resolution is still pending").
 */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => { res.resume(); resolve(true); });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.on('close', () => resolve(false));
  });
}

/** Polls until `url` answers at all (any status), for a server just started. */
export async function waitForHttp(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await answers(url)) return;
    if (Date.now() > deadline) throw new Error(`${url} never answered`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
