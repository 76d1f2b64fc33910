// Boot check: a web process is up when its port accepts a TCP connection on
// the container's own address. The published loopback port is no good for
// this: docker-proxy accepts there even when nothing listens inside.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export type BootResult = { ok: true } | { ok: false; reason: 'timeout' | 'exited' };

/** Polls until the port accepts, the container dies, or time runs out. */
export async function waitForPort(
  host: string, port: number, timeoutMs: number, isAlive: () => Promise<boolean>,
): Promise<BootResult> {
  const deadline = Date.now() + timeoutMs;
  let checks = 0;
  while (Date.now() < deadline) {
    if (await canConnect(host, port)) return { ok: true };
    // Inspecting Docker is slower than a connect, so do it every 5th round.
    if (++checks % 5 === 0 && !(await isAlive())) return { ok: false, reason: 'exited' };
    await sleep(50);
  }
  return { ok: false, reason: 'timeout' };
}
