// What bad-apps.test.ts and full-disk.test.ts share: a repo of the bad-app
// fixture in a given mode, and a client loop that counts failed requests.
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, type Berth } from '../helpers/berth.js';
import { git } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';

export const DOMAIN = 'berth.test';
const FIXTURE = path.join(ROOT, 'test/reliability/fixtures/bad-app');

/** A fresh repo of the fixture whose Procfile runs `app.py <mode>`. */
export async function fixtureRepo(mode: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-bad-'));
  await cp(FIXTURE, dir, { recursive: true });
  await writeFile(path.join(dir, 'Procfile'), `web: python3 /app/app.py ${mode}\n`);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', mode);
  return dir;
}

export async function setMode(dir: string, mode: string): Promise<void> {
  await writeFile(path.join(dir, 'Procfile'), `web: python3 /app/app.py ${mode}\n`);
  git(dir, 'commit', '-qam', mode);
}

export interface Tally { ok: number; failed: number; lastFailure: string }

/** Sequential requests through the router until stopped; counts the ones that fail. */
export function clientLoop(berth: Berth, app: string, expect: RegExp) {
  let running = true;
  const tally: Tally = { ok: 0, failed: 0, lastFailure: '' };
  const done = (async () => {
    while (running) {
      try {
        const r = await viaRouter(berth.routerPort, `${app}.${DOMAIN}`, '/', 10_000);
        if (r.status === 200 && expect.test(r.body)) tally.ok++;
        else { tally.failed++; tally.lastFailure = `${r.status} ${r.body.slice(0, 200)}`; }
      } catch (err) {
        tally.failed++;
        tally.lastFailure = (err as Error).message;
      }
      await sleep(25);
    }
  })();
  return { tally, stop: async (): Promise<Tally> => { running = false; await done; return tally; } };
}
