// Shared by the push-to-live benchmarks: poll until the first 200, as a
// user's browser would see the app come up.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

function get200(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

export async function untilOk(port: number, host: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await get200(port, host))) {
    if (Date.now() > deadline) throw new Error(`no 200 from ${host}:${port}`);
    await sleep(10);
  }
}
