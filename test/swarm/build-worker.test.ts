// A build run by a build worker on a second node (issue 14, items 4-5). The
// second node is a private Docker engine in its own network namespace
// (test/helpers/second-engine.ts); the worker (`berth server --role worker`)
// runs inside that namespace, with that engine as its DOCKER_HOST, and
// reaches the main server's embedded Redis over the veth with a password.
// The main server runs with BERTH_BUILDS=off: it must not build. Without a
// registry the app node says why it cannot deploy; with one (Debian's
// docker-registry, htpasswd) the worker pushes and the app node pulls.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, ROOT, startBerth, type Berth } from '../helpers/berth.js';
import { git, push } from '../helpers/git.js';
import { api } from '../helpers/api.js';
import { runBerthCli } from '../helpers/cli.js';
import { removeAppObjects } from '../helpers/docker.js';
import { privateEnginesSupported, startEngine, type SecondEngine } from '../helpers/second-engine.js';
import { registrySupported, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { viaRouter } from '../helpers/http.js';
import { SERVER_NODE_FLAGS } from '../../src/shared/node-flags.js';

const skip = privateEnginesSupported() ?? registrySupported();
const APP = `bw-${randomBytes(3).toString('hex')}`;
const WORKER = `node2-${randomBytes(3).toString('hex')}`;
const PASSWORD = randomBytes(16).toString('hex');

interface Proc { child: ChildProcess; output(): string; exited: Promise<number> }

/** `berth server --role worker` inside the engine's network namespace. */
function startWorker(engine: SecondEngine, env: Record<string, string>): Proc {
  const child = spawn('nsenter', [`--net=/var/run/netns/${engine.name}`, process.execPath, ...SERVER_NODE_FLAGS,
    path.join(ROOT, 'dist/main/index.js'), 'server', '--role', 'worker'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...engine.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d) => { log += d; });
  child.stderr!.on('data', (d) => { log += d; });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  return { child, output: () => log, exited };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

const mainHas = (image: string) => {
  try { execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }); return true; } catch { return false; }
};

describe('a build worker on a second node', { skip, timeout: 600_000 }, () => {
  let engine: SecondEngine;
  let main: Berth;
  let worker: Proc | undefined;
  let workerDir: string;
  let repo: string;
  let workerEnv: Record<string, string>;
  let registry: TestRegistry;

  before(async () => {
    // Plain HTTP on the test's private networks: node 2 reaches it over its veth, the main engine on loopback.
    engine = await startEngine({ images: ['berth/stack:bookworm'], insecureRegistries: ['10.231.0.0/16'] });
    registry = await startRegistry({ host: '0.0.0.0' });
    const redisPort = await freePort();
    const port = registry.address.split(':').pop()!;
    main = await startBerth({
      BERTH_REGISTRY: `127.0.0.1:${port}`, BERTH_REGISTRY_USER: registry.username,
      BERTH_REGISTRY_PASSWORD: registry.password, BERTH_REGISTRY_INSECURE: '1',
      BERTH_BUILDS: 'off',
      BERTH_WORKER_NAME: 'main-node',
      // The embedded Redis, on loopback and on the veth the second node reaches.
      BERTH_REDIS_BIND: `127.0.0.1,${engine.hostAddress}`,
      BERTH_REDIS_PORT: String(redisPort),
      BERTH_REDIS_PASSWORD: PASSWORD,
    });
    workerDir = await mkdtemp(path.join(os.tmpdir(), 'berth-worker-'));
    workerEnv = {
      BERTH_DATA_DIR: workerDir,
      REDIS_URL: `redis://:${PASSWORD}@${engine.hostAddress}:${redisPort}`,
      BERTH_REDIS_PREFIX: main.env.BERTH_REDIS_PREFIX!,
      BERTH_WORKER_NAME: WORKER,
      BERTH_BUILD_CONCURRENCY: '1',
    };
    repo = await mkdtemp(path.join(os.tmpdir(), 'berth-bw-app-'));
    await writeFile(path.join(repo, 'Dockerfile'), 'FROM berth/stack:bookworm\nCOPY index.html /srv/\nCMD ["sh", "-c", "cd /srv && exec python3 -m http.server $PORT"]\n');
    await writeFile(path.join(repo, 'index.html'), 'built on node 2\n');
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'app');
  });

  after(async () => {
    if (worker && worker.child.exitCode === null) { worker.child.kill('SIGKILL'); await worker.exited; }
    removeAppObjects([APP]);
    await main?.destroy();
    await engine?.stop();
    await registry?.stop();
    await rm(workerDir, { recursive: true, force: true });
    await rm(repo, { recursive: true, force: true });
  });

  test('the embedded Redis refuses to listen off loopback without a password', async () => {
    const open = await startBerth({ BERTH_REDIS_BIND: engine.hostAddress, BERTH_REDIS_PORT: String(await freePort()) }).then(
      async (b) => { await b.destroy(); return 'started'; }, (err: Error) => err.message);
    assert.match(open, /would open the embedded Redis to other hosts without a password/);
    assert.match(open, /BERTH_REDIS_PASSWORD/);
  });

  test('a worker with the wrong Redis password exits with a clear error', async () => {
    const bad = startWorker(engine, { ...workerEnv, REDIS_URL: workerEnv.REDIS_URL!.replace(PASSWORD, 'wrong') });
    const code = await Promise.race([bad.exited, sleep(60_000).then(() => -1)]);
    if (code === -1) bad.child.kill('SIGKILL');
    assert.equal(code, 1, bad.output());
    assert.match(bad.output(), /refused this server: WRONGPASS/);
    assert.match(bad.output(), /put the password in REDIS_URL/);
    assert.doesNotMatch(bad.output(), /wrong@/, 'the password is not echoed');
  });

  test('berth workers lists the worker on the second node', async () => {
    worker = startWorker(engine, workerEnv);
    await until('the worker to be ready', async () => {
      if (worker!.child.exitCode !== null) throw new Error(`worker exited:\n${worker!.output()}`);
      return worker!.output().includes('berth: ready') ? true : undefined;
    });
    const cliEnv = { BERTH_URL: `http://127.0.0.1:${main.apiPort}`, BERTH_TOKEN: main.token };
    const listed = await until('the worker in berth workers', async () => {
      const r = await runBerthCli(['workers', '--json'], cliEnv);
      const w = (JSON.parse(r.stdout).workers as { name: string; state: string; concurrency: number }[]).find((x) => x.name === WORKER);
      return w?.state === 'up' ? w : undefined;
    });
    assert.equal(listed.concurrency, 1);
    const table = await runBerthCli(['workers'], cliEnv);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`${WORKER}\\s+\\S+\\s+up\\s+1\\s+idle`));
    assert.doesNotMatch(table.stdout, /main-node/, 'the main server (BERTH_BUILDS=off) is no build worker');
  });

  test('a push is built by the worker on node 2, not by the main server', async () => {
    const res = await push(repo, main.remote(APP));
    const { status, body } = await api(main.apiPort, main.token, 'GET', `/apps/${APP}/builds`);
    assert.equal(status, 200, `${JSON.stringify(body)}\n${res.output}\n${worker!.output()}`);
    const build = body.builds[0];
    assert.equal(build.worker, WORKER, res.output);
    assert.match(res.output, new RegExp(`Built on worker ${WORKER}; handing v1 to the app node`));
    // The image was built on node 2's engine; the main engine never built it.
    assert.ok(engine.docker('image', 'ls', '-q', `berth/app-${APP}:v1`), 'the release image is on node 2');
    assert.ok(!mainHas(`berth/app-${APP}:v1`), 'the main engine did not build the image');
    // This worker has no registry set: the app node cannot pull the image, and says why.
    assert.notEqual(res.code, 0);
    assert.match(res.output, new RegExp(`pulling 127\\.0\\.0\\.1:\\d+/berth/app-${APP}:v1 from the registry .* failed`));
    assert.match(res.output, new RegExp(`did worker ${WORKER} push it`));
    assert.equal(build.status, 'failed');
    const cli = await runBerthCli(['builds', APP], { BERTH_URL: `http://127.0.0.1:${main.apiPort}`, BERTH_TOKEN: main.token });
    assert.match(cli.stdout, new RegExp(`${build.id}.*${WORKER}`));
  });

  test('with a registry, the worker pushes, the app node pulls and deploys', async () => {
    const port = registry.address.split(':').pop()!;
    const creds = { BERTH_REGISTRY_USER: registry.username, BERTH_REGISTRY_PASSWORD: registry.password, BERTH_REGISTRY_INSECURE: '1' };
    // Each node names the registry by the address it reaches it at.
    worker!.child.kill('SIGTERM');
    await worker!.exited;
    workerEnv = { ...workerEnv, ...creds, BERTH_REGISTRY: `${engine.hostAddress}:${port}` };
    worker = startWorker(engine, workerEnv);
    await until('the worker to be ready', async () => (worker!.output().includes('berth: ready') ? true : undefined));
    await writeFile(path.join(repo, 'index.html'), 'built on node 2, shipped by the registry\n');
    git(repo, 'commit', '-qam', 'v2');
    const res = await push(repo, main.remote(APP));
    assert.equal(res.code, 0, `${res.output}\n${worker!.output()}\n${main.output().slice(-3000)}`);
    assert.match(res.output, new RegExp(`Pushing v2 to the registry ${engine.hostAddress}:${port}`));
    assert.match(res.output, new RegExp(`Pulling v2 from the registry 127.0.0.1:${port}`));
    assert.match(res.output, /Released v2/);
    const reply = await until('the app to answer', async () => {
      const r = await viaRouter(main.routerPort, `${APP}.localhost`).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    });
    assert.equal(reply.body, 'built on node 2, shipped by the registry\n');
    const { body } = await api(main.apiPort, main.token, 'GET', `/apps/${APP}/builds`);
    assert.equal(body.builds[0].worker, WORKER);
    assert.equal(body.builds[0].status, 'succeeded');
    // The very image node 2 built, not one the main engine made.
    const id = (docker: (...a: string[]) => string) => docker('image', 'inspect', '-f', '{{.Id}}', `berth/app-${APP}:v2`);
    assert.equal(id((...a) => execFileSync('docker', a, { encoding: 'utf8' }).trim()), id(engine.docker));
  });

  test('a worker that dies shows as gone', async () => {
    worker!.child.kill('SIGKILL');
    await worker!.exited;
    const gone = await until('the dead worker to show as gone', async () => {
      const { body } = await api(main.apiPort, main.token, 'GET', '/workers');
      const w = (body.workers as { name: string; state: string }[]).find((x) => x.name === WORKER);
      return w?.state === 'gone' ? w : undefined;
    }, 60_000);
    assert.equal(gone.state, 'gone');
  });
});
