// Shared by the push-to-live benchmarks: poll until the first 200, as a
// user's browser would see the app come up, Berth's timed `git push` + first
// 200, and the by-hand baseline's `docker run` + first 200.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Berth } from '../helpers/berth.js';
import { push } from '../helpers/git.js';

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

/** Milliseconds from `git push` of `repo` to `app` until its first 200 through Berth's router. */
export async function timedPush(berth: Berth, repo: string, app: string): Promise<number> {
  const t0 = performance.now();
  const res = await push(repo, berth.remote(app));
  if (res.code !== 0) throw new Error(`push failed:\n${res.output}`);
  await untilOk(berth.routerPort, `${app}.localhost`);
  return performance.now() - t0;
}

/** Starts `tag` as a labelled container, waits for its first 200, removes it. */
export async function runUntilOk(tag: string, label: string): Promise<void> {
  const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
  const id = docker('run', '-d', '--label', `berth.app=${label}`, '-e', 'PORT=5000', '-p', '127.0.0.1::5000', tag);
  try {
    const port = Number(docker('port', id, '5000/tcp').split('\n')[0]!.split(':').pop());
    await untilOk(port, 'localhost');
  } finally {
    docker('rm', '-f', id);
  }
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
