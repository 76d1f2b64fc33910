// The router's pid file, dataDir/router-<port>.pid: written by the router
// process once it listens, read by a `berth server` that starts and finds a
// router still serving from before (its last server was killed). Named by
// port, so extra `--role router` processes on the same data dir (README,
// scale-out) never pass for the server's own. It holds the pid alone, so
// `kill $(cat ...)` works.
import { readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { BerthConfig } from '../config/index.js';

export const routerPidPath = (config: BerthConfig): string => path.join(config.dataDir, `router-${config.routerPort}.pid`);

export async function writeRouterPid(config: BerthConfig, pid = process.pid): Promise<void> {
  // Write-then-rename: a reader never sees a half-written pid.
  const tmp = `${routerPidPath(config)}.${pid}.tmp`;
  await writeFile(tmp, `${pid}\n`, { mode: 0o600 });
  await rename(tmp, routerPidPath(config));
}

export async function readRouterPid(config: BerthConfig): Promise<number | undefined> {
  const text = await readFile(routerPidPath(config), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** Removes the pid file only if it still names `pid` (a newer router may have replaced it). */
export async function clearRouterPid(config: BerthConfig, pid = process.pid): Promise<void> {
  if ((await readRouterPid(config)) === pid) await rm(routerPidPath(config), { force: true });
}

/**
 * Whether `pid` is alive (not a zombie) and is a `berth server --role router`:
 * a pid file outlives its process, and the pid may since belong to another.
 * Decided from the pid alone: when /proc cannot be read for want of
 * descriptors (EMFILE), a pid that signal 0 still reaches counts as the
 * router. Once, a server out of descriptors took that failed read for a
 * dead router and started a second one.
 */
export function isRouterProcess(pid: number, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): boolean {
  try {
    const stat = read(`/proc/${pid}/stat`);
    if (/\) [ZX] /.test(stat)) return false;
    const args = read(`/proc/${pid}/cmdline`).split('\0');
    const role = args.indexOf('--role');
    return args.includes('server') && role > 0 && args[role + 1] === 'router';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EMFILE' && code !== 'ENFILE') return false;
    try { process.kill(pid, 0); return true; } catch { return false; }
  }
}

/** Whether something accepts connections on the router's port (the adopted router must be the one serving it). */
export function routerAnswers(config: BerthConfig, timeoutMs = 2000): Promise<boolean> {
  const host = config.bindHost === '0.0.0.0' || config.bindHost === '::' || config.bindHost === '' ? '127.0.0.1' : config.bindHost;
  return new Promise((resolve) => {
    const sock = net.connect({ host, port: config.routerPort });
    const done = (ok: boolean) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(timeoutMs, () => done(false));
    // Out of descriptors here says nothing about the router: count it as answering.
    sock.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'EMFILE' || err.code === 'ENFILE'));
    sock.once('connect', () => done(true));
  });
}
