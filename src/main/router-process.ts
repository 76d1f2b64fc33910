// `berth server` runs the router as a process of its own, so a crash or a
// kill -9 of the API/build process never stops app traffic. The router is
// started detached (its own session and process group: a signal to the
// server's group does not reach it) and writes dataDir/router.pid once it
// listens. A server that starts and finds that router alive and answering
// adopts it instead of starting a second one on the same ports. A
// deliberate stop of the server (SIGTERM, SIGINT) stops the router too; a
// router that dies while the server runs is started again.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type BerthConfig } from '../config/index.js';
import { BerthError } from '../shared/errors.js';
import { withServerFlags } from '../shared/node-flags.js';
import { isRouterProcess, readRouterPid, routerAnswers, routerPidPath } from './router-pid.js';

export interface RouterProcess {
  readonly pid: number;
  /** Taken over from a server that died, not started by this one. */
  readonly adopted: boolean;
  /** Stops the router. */
  close(): Promise<void>;
  /** Stops watching the router and leaves it serving. */
  detach(): Promise<void>;
}

const READY_DEADLINE_MS = 60_000;
const WATCH_EVERY_MS = 1000;

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopPid(pid: number, graceMs: number): Promise<void> {
  const gone = () => !alive(pid) || !isRouterProcess(pid);
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  for (const end = Date.now() + graceMs; Date.now() < end; await sleep(100)) if (gone()) return;
  try { process.kill(pid, 'SIGKILL'); } catch { return; }
  for (const end = Date.now() + 5000; Date.now() < end; await sleep(100)) if (gone()) return;
}

/** Starts `berth server --role router` detached and waits until it has written its pid file. */
async function spawnRouter(config: BerthConfig): Promise<number> {
  const script = process.argv[1];
  if (!script) throw new BerthError('router_start_failed', 'cannot tell which script to start the router with');
  // stdout and stderr are the server's (its log file under install.sh and
  // systemd), and stay open when the server dies.
  const child = spawn(process.execPath, [...withServerFlags(process.execArgv), script, 'server', '--role', 'router'], {
    detached: true, stdio: ['ignore', 'inherit', 'inherit'], env: process.env,
  });
  const pid = child.pid;
  let exit: string | undefined;
  child.once('error', (err) => { exit = err.message; });
  child.once('exit', (code, signal) => { exit = `exited with ${signal ?? `code ${code}`}`; });
  child.unref();
  if (pid === undefined) await sleep(50);
  for (const end = Date.now() + READY_DEADLINE_MS; Date.now() < end; await sleep(100)) {
    if (exit !== undefined || pid === undefined) {
      throw new BerthError('router_start_failed', `the router process ${exit ?? 'did not start'} (its reason is logged above)`,
        { hint: `is another program using port ${config.routerPort}? Set BERTH_ROUTER_PORT to change it.` });
    }
    if ((await readRouterPid(config)) === pid) return pid;
  }
  await stopPid(pid!, 2000);
  throw new BerthError('router_start_failed', `the router process did not write ${routerPidPath(config)} within ${READY_DEADLINE_MS / 1000} s`);
}

/** The router left running by a server that died, if it is still ours and still serving. */
async function adoptable(config: BerthConfig): Promise<number | undefined> {
  const pid = await readRouterPid(config);
  if (pid === undefined || !isRouterProcess(pid)) return undefined;
  if (await routerAnswers(config)) return pid;
  // Ours, alive, but not accepting on its port (hung): replace it.
  console.error(` !     router process ${pid} does not answer on port ${config.routerPort}; stopping it to start a new one`);
  await stopPid(pid, config.runtime.drainMs + 10_000);
  return undefined;
}

export async function startRouterProcess(config: BerthConfig): Promise<RouterProcess> {
  const stopGraceMs = config.runtime.drainMs + 10_000;
  const found = await adoptable(config);
  let pid = found ?? (await spawnRouter(config));
  console.log(found === undefined
    ? `berth: router process started (pid ${pid}; pid file ${routerPidPath(config)})`
    : `berth: router process (pid ${pid}) kept serving while the server was down; taking it over`);
  let closing = false;
  let restarting = false;
  const watch = setInterval(() => {
    if (closing || restarting || isRouterProcess(pid)) return;
    restarting = true;
    console.error(` !     router process ${pid} is gone; starting another`);
    void spawnRouter(config).then((p) => { pid = p; console.log(`berth: router process started (pid ${p})`); },
      (err: Error) => console.error(` !     router: ${err.message}`)).finally(() => { restarting = false; });
  }, WATCH_EVERY_MS);
  watch.unref();
  return {
    get pid() { return pid; },
    adopted: found !== undefined,
    async detach() {
      closing = true;
      clearInterval(watch);
    },
    async close() {
      closing = true;
      clearInterval(watch);
      while (restarting) await sleep(100);
      await stopPid(pid, stopGraceMs);
    },
  };
}

/** `berth server --stop-router`: stops the router of this data dir, if one runs; returns its pid. */
export async function stopLeftoverRouter(config: BerthConfig = loadConfig()): Promise<number | undefined> {
  const pid = await readRouterPid(config);
  if (pid === undefined || !isRouterProcess(pid)) return undefined;
  await stopPid(pid, config.runtime.drainMs + 10_000);
  return pid;
}
