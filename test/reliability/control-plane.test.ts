// A control-plane crash never takes app traffic down (issue 13, items 2 and
// 3): a real server, Docker, Redis and git; an app deployed through the
// router; a client loop hitting it through the router the whole time; and
// kill -9 of the process listening on the API port during a build, before a
// deploy's route switch and during its drain. After each restart: the loop
// saw no failed request, the app serves, the interrupted build is failed
// with a reason, no container or image is left over, and the next push works.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, push, sampleRepo } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { labelledContainers, removeAppObjects } from '../helpers/docker.js';
import { api } from '../helpers/api.js';

const app = `cp-${randomBytes(3).toString('hex')}`;
const host = `${app}.localhost`;

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A container's release label; '' for one removed since it was listed (retired meanwhile). */
function releaseOf(id: string): string {
  try { return docker('inspect', '-f', '{{index .Config.Labels "berth.release"}}', id); } catch { return ''; }
}

/** The pid of the process with a socket listening on 127.0.0.1:`port` (from /proc, as ss -p does). */
function listenerPid(port: number): number | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inode = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/))
    .find((f) => f[1]?.endsWith(`:${hex}`) && f[3] === '0A')?.[9];
  if (!inode) return undefined;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[] = [];
    try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      try { if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return Number(pid); } catch { /* closed meanwhile */ }
    }
  }
  return undefined;
}

/** Loops still running: a test that fails midway leaves its loop to after(), or the file would never exit. */
const loops = new Set<{ stop(): Promise<unknown> }>();

/** Requests through the router, one after another, until stopped; counts what failed and why. */
function clientLoop(expect: RegExp) {
  let running = true;
  let ok = 0;
  const failures: string[] = [];
  const done = (async () => {
    while (running) {
      const r = await viaRouter(berth.routerPort, host, '/', 10_000).catch((err: Error) => ({ status: 0, body: err.message }));
      if (r.status === 200 && expect.test(r.body)) ok++;
      else failures.push(`${r.status} ${r.body.slice(0, 120)}`);
      await sleep(20);
    }
  })();
  const loop = {
    async stop() {
      running = false;
      loops.delete(loop);
      await done;
      console.log(`control-plane: client loop through the router: ${ok + failures.length} requests, ${failures.length} failed`);
      return { ok, failures };
    },
    get ok() { return ok; },
  };
  loops.add(loop);
  return loop;
}

/** GET on the API; once more after a connection error (fetch's pooled keep-alive socket may be the killed server's). */
const get = (path: string) => api(berth.apiPort, berth.token, 'GET', path)
  .catch(async () => { await sleep(500); return api(berth.apiPort, berth.token, 'GET', path); });

interface BuildView { id: string; status: string; error?: string }
const builds = async (): Promise<BuildView[]> => (await get(`/apps/${app}/builds`)).body.builds;
const currentVersion = async (): Promise<number> => {
  const info = (await get(`/apps/${app}`)).body.app;
  return Number(String(info.currentRelease ?? info.release ?? '').replace(/^v/, ''));
};

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 120_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
  }
  throw new Error(`timed out waiting for ${what}\n${berth.output().slice(-3000)}`);
}

/** kill -9 of the API/build process, then a restart; the router must be the same process throughout. */
async function killAndRestart(): Promise<void> {
  const router = await berth.routerPid();
  assert.ok(router, 'a router process runs');
  const apiPid = listenerPid(berth.apiPort);
  assert.equal(apiPid, berth.pid(), 'the server process listens on the API port');
  assert.notEqual(listenerPid(berth.routerPort), apiPid, 'the router port is not held by the API process');
  process.kill(apiPid!, 'SIGKILL');
  await berth.stop('SIGKILL'); // reaps the child record
  await sleep(1500); // the router alone, for a while
  assert.equal(await berth.routerPid(), router, 'the router outlived the kill');
  await berth.start();
  assert.equal(await berth.routerPid(), router, 'the restarted server took the router over');
  assert.equal(listenerPid(berth.routerPort) !== undefined, true);
  assert.match(berth.output(), /router process \(pid \d+\) kept serving/);
  assert.doesNotMatch(berth.output(), /EADDRINUSE/, 'no second router tried the ports');
}

/** What is left in Docker for the app: only the current release's web containers, and only release images. */
async function assertNoLeftovers(): Promise<void> {
  const version = await currentVersion();
  const stray = () => labelledContainers(app).filter((id) => releaseOf(id) !== `v${version}`);
  // Retiring waits out the drain and the stop timeout.
  await until('stray containers to be removed', () => stray().length === 0 || undefined, 60_000).catch(() => {});
  assert.deepEqual(stray().map((id) => docker('inspect', '-f', '{{.Name}} {{.State.Status}}', id)), [], 'no container of another release is left');
  const images = docker('images', '--filter', `label=berth.app=${app}`, '--format', '{{.Repository}}:{{.Tag}}').split('\n').filter(Boolean);
  const notRelease = images.filter((t) => !new RegExp(`^berth/app-${app}:v\\d+$`).test(t));
  assert.deepEqual(notRelease, [], `only release images are left (${images.join(', ')})`);
}

let berth: Berth;
let repo: string;

describe('control plane crash', { timeout: 900_000 }, () => {
  before(async () => {
    // A long drain, so that a kill -9 can land while an old release drains. No watch after go-live:
    // it would keep the old release standing by (running, out of the route) instead of draining it at once.
    berth = await startBerth({ BERTH_DRAIN_MS: '30000', BERTH_BUILD_CONCURRENCY: '1', BERTH_WATCH_SEC: '0' });
    repo = await sampleRepo('dockerfile-hello');
    await commitFile(repo, 'message.txt', 'release one\n');
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
    assert.equal((await viaRouter(berth.routerPort, host)).body, 'release one\n');
  });
  after(async () => {
    await Promise.all([...loops].map((l) => l.stop()));
    if (process.env.BERTH_TEST_DUMP) writeFileSync(process.env.BERTH_TEST_DUMP, berth?.output() ?? '');
    await berth?.destroy();
    removeAppObjects([app]);
  });

  test('kill -9 of the API process during a build: no request through the router fails', async () => {
    const loop = clientLoop(/^release one\n$/);
    const marker = randomBytes(4).toString('hex');
    await commitFile(repo, 'Dockerfile', `${readFileSync(`${repo}/Dockerfile`, 'utf8')}\nRUN echo ${marker} && sleep 40\n`);
    // The build step's shell, as the host sees it (BuildKit's steps are no `docker ps` containers).
    const stepRuns = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(`echo ${marker} && sleep 40`);
    const pushing = push(repo, berth.remote(app));
    const build = await until('the build to run', async () => (await builds()).find((b) => b.status === 'running'));
    await until('the Docker build to start its slow step', () => stepRuns() || undefined);
    await killAndRestart();
    const res = await pushing;
    assert.notEqual(res.code, 0, 'the push whose server died fails');
    await sleep(1000);
    const { ok, failures } = await loop.stop();
    assert.deepEqual(failures, [], `${failures.length} of ${ok + failures.length} requests failed`);
    assert.ok(ok > 20, `the loop ran (${ok} requests)`);

    const failed = await until('the lost build to be failed', async () => (await builds()).find((b) => b.id === build.id && b.status === 'failed'), 60_000);
    assert.match(failed.error ?? '', /build worker stopped while this build was running/);
    assert.equal((await viaRouter(berth.routerPort, host)).body, 'release one\n');
    await until('the build step of the dead server to be stopped', () => !stepRuns() || undefined, 60_000);
    await assertNoLeftovers();
  });

  test('the next push after the crash deploys', async () => {
    await commitFile(repo, 'Dockerfile', readFileSync(`${repo}/Dockerfile`, 'utf8').replace(/\nRUN echo .*sleep 40\n$/, '\n'));
    await commitFile(repo, 'message.txt', 'release two\n');
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
    assert.equal((await viaRouter(berth.routerPort, host)).body, 'release two\n');
    await assertNoLeftovers();
  });

  test('kill -9 after the new release started, before the route switch', async () => {
    const before = await currentVersion();
    const loop = clientLoop(/^release two\n$/);
    // The new web process binds its port only after 30 s: the deploy waits in its boot check.
    const dockerfile = readFileSync(`${repo}/Dockerfile`, 'utf8');
    await commitFile(repo, 'Dockerfile', dockerfile.replace(/CMD .*/, 'CMD ["sh", "-c", "sleep 30; exec python3 /app/server.py"]'));
    await commitFile(repo, 'message.txt', 'release three\n');
    const pushing = push(repo, berth.remote(app));
    const build = await until('the build to run', async () => (await builds()).find((b) => b.status === 'running'));
    await until('the new release to start', () => labelledContainers(app, false)
      .some((id) => releaseOf(id) === `v${before + 1}`) || undefined);
    await killAndRestart();
    assert.notEqual((await pushing).code, 0);
    await sleep(1000);
    const { ok, failures } = await loop.stop();
    assert.deepEqual(failures, [], `${failures.length} of ${ok + failures.length} requests failed`);

    const failed = await until('the lost build to be failed', async () => (await builds()).find((b) => b.id === build.id && b.status === 'failed'), 60_000);
    assert.match(failed.error ?? '', /\w/);
    assert.equal(await currentVersion(), before, 'the previous release stays current');
    assert.equal((await viaRouter(berth.routerPort, host)).body, 'release two\n');
    await assertNoLeftovers();
    const releases = (await get(`/apps/${app}/releases`)).body.releases as { version: number; status: string }[];
    assert.equal(releases.find((r) => r.version === before + 1)?.status, 'failed', 'the half-deployed release is marked failed');
  });

  test('kill -9 while the old release drains after the switch', async () => {
    const dockerfile = readFileSync(`${repo}/Dockerfile`, 'utf8');
    await commitFile(repo, 'Dockerfile', dockerfile.replace(/CMD .*/, 'CMD ["python3", "/app/server.py"]'));
    await commitFile(repo, 'message.txt', 'release four\n');
    assert.equal((await push(repo, berth.remote(app))).code, 0);
    const before = await currentVersion();
    const loop = clientLoop(/^release (four|five)\n$/);
    // The new release binds after 8 s: time to send the old one a request
    // that outlasts the switch and keeps its drain going (BERTH_DRAIN_MS).
    await commitFile(repo, 'Dockerfile', dockerfile.replace(/CMD .*/, 'CMD ["sh", "-c", "sleep 8; exec python3 /app/server.py"]'));
    await commitFile(repo, 'message.txt', 'release five\n');
    const pushing = push(repo, berth.remote(app));
    await until('the new release to start', () => labelledContainers(app, false)
      .some((id) => releaseOf(id) === `v${before + 1}`) || undefined);
    const slow = viaRouter(berth.routerPort, host, '/slow?ms=20000', 60_000);
    const res = await pushing;
    assert.equal(res.code, 0, res.output);
    assert.equal(await currentVersion(), before + 1);
    const old = labelledContainers(app, false).filter((id) => releaseOf(id) === `v${before}`);
    assert.ok(old.length > 0, 'the old release is still draining');
    await killAndRestart();
    assert.equal((await slow).status, 200, 'the request in flight on the old release finished');
    await sleep(1000);
    const { ok, failures } = await loop.stop();
    assert.deepEqual(failures, [], `${failures.length} of ${ok + failures.length} requests failed`);
    assert.equal((await viaRouter(berth.routerPort, host)).body, 'release five\n');
    await assertNoLeftovers();
    await commitFile(repo, 'message.txt', 'release six\n');
    assert.equal((await push(repo, berth.remote(app))).code, 0, 'the next push deploys');
    assert.equal((await viaRouter(berth.routerPort, host)).body, 'release six\n');
  });

  test('a deliberate stop (SIGTERM) stops the router too', async () => {
    const router = await berth.routerPid();
    assert.ok(router);
    await berth.stop('SIGTERM');
    await until('the router to exit', async () => { try { process.kill(router!, 0); return undefined; } catch { return true; } }, 30_000);
    assert.equal(listenerPid(berth.routerPort), undefined, 'nothing listens on the router port');
  });
});
