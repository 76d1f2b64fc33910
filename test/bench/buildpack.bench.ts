// Buildpack push-to-live benchmark: Berth's `git push` of apps/node-hello
// until it answers through the router, against the raw lower bound of the
// same steps done by hand in the same run:
//   npm ci in a build-stack container -> docker build of the result (on a
//   base image that already has Node.js) -> docker run -> the first 200.
//
//   cold: a new app: empty cache, so Berth downloads Node.js and npm,
//         installs from the registry and caches the runtime layer; the raw
//         side runs npm ci with an empty npm cache (its Node.js is
//         prepared beforehand, untimed, which only favours it)
//   warm: a code change with the same lockfile; Berth's cache holds
//         node_modules, the raw side's npm cache is warm
//
// Usage: node --import tsx test/bench/buildpack.bench.ts   (needs `npm run build`
// and the stack images; BENCH_ROUNDS=3 by default)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBerth, ROOT } from '../helpers/berth.js';
import { commitFile, sampleRepo } from '../helpers/git.js';
import { removeAppObjects } from '../helpers/docker.js';
import { median, runUntilOk, timedPush } from './wait-for-200.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RAW_APP = 'bench-bpraw';
// stderr is kept for errors but not echoed: the classic builder prints a deprecation notice each build.
const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DOCKER_BUILDKIT: '0' } }).trim();
const asRoot = process.getuid?.() === 0;
const user = asRoot ? '1000:1000' : `${process.getuid?.()}:${process.getgid?.()}`;

const chownR = (p: string) => { if (asRoot) execFileSync('chown', ['-R', '1000:1000', p]); };

/** Node.js and npm as the buildpack installs them, in an image the raw side builds on (untimed). */
async function prepareRawBase(work: string): Promise<string> {
  const nodeDir = path.join(work, 'node');
  await mkdir(nodeDir);
  chownR(work);
  // The buildpack's own runtime install, run once outside Berth.
  const app = path.join(work, 'probe');
  await cp(path.join(ROOT, 'apps/node-hello'), app, { recursive: true });
  await mkdir(path.join(work, 'probe-cache'));
  chownR(work);
  docker('run', '--rm', '--user', user, '-e', 'HOME=/tmp', '-v', `${ROOT}/buildpacks:/bp:ro`, '-v', `${app}:/app`,
    '-v', `${work}/probe-cache:/cache`, 'berth/stack:bookworm-build', '/bp/nodejs/bin/compile', '/app', '/cache', '/env');
  docker('run', '--rm', '--user', user, '-v', `${app}:/app`, '-v', `${nodeDir}:/out`, 'berth/stack:bookworm-build', 'cp', '-a', '/app/.heroku/node/.', '/out/');
  const tag = `berth/app-${RAW_APP}:node`;
  await writeFile(path.join(work, 'Dockerfile.base'), 'FROM berth/stack:bookworm\nCOPY --chown=1000:1000 node /app/.heroku/node\n');
  docker('build', '-q', '--label', `berth.app=${RAW_APP}`, '-t', tag, '-f', path.join(work, 'Dockerfile.base'), work);
  return nodeDir;
}

/** The lower bound: npm ci in a container, docker build, docker run, first 200. */
async function raw(dir: string, nodeDir: string, npmCache: string): Promise<number> {
  const t0 = performance.now();
  docker('run', '--rm', '--user', user, '-e', 'HOME=/tmp', '-e', 'npm_config_cache=/npm-cache', '-e', 'npm_config_update_notifier=false',
    '-e', 'npm_config_audit=false', '-e', 'npm_config_fund=false', '-e', 'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
    '-e', 'PATH=/opt/node/bin:/usr/bin:/bin', '-v', `${nodeDir}:/opt/node:ro`, '-v', `${npmCache}:/npm-cache`, '-v', `${dir}:/app`, '-w', '/app',
    'berth/stack:bookworm-build', 'npm', 'ci', '--omit=dev', '--prefer-offline');
  const tag = `berth/app-${RAW_APP}:${randomBytes(3).toString('hex')}`;
  docker('build', '-q', '--label', `berth.app=${RAW_APP}`, '-t', tag, dir);
  await runUntilOk(tag, RAW_APP);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const berth = await startBerth({ BERTH_DRAIN_MS: '0' });
  const work = await mkdtemp(path.join(os.tmpdir(), 'berth-bpbench-'));
  const apps: string[] = [];
  const repos: string[] = [];
  const results = { coldBerth: [] as number[], coldRaw: [] as number[], warmBerth: [] as number[], warmRaw: [] as number[] };
  try {
    const nodeDir = await prepareRawBase(work);
    for (let i = 0; i < ROUNDS; i++) {
      // Cold: a new app, so an empty cache volume and no runtime layer yet.
      const app = `bench-bp-${randomBytes(3).toString('hex')}`;
      apps.push(app);
      const repo = await sampleRepo('node-hello');
      repos.push(repo);
      const berthPush = () => timedPush(berth, repo, app);
      results.coldBerth.push(await berthPush());
      const rawDir = path.join(work, `raw-${i}`);
      const npmCache = path.join(work, `npm-cache-${i}`);
      await cp(path.join(ROOT, 'apps/node-hello'), rawDir, { recursive: true });
      await writeFile(path.join(rawDir, 'Dockerfile'),
        `FROM berth/app-${RAW_APP}:node\nCOPY --chown=1000:1000 . /app\nUSER app\nWORKDIR /app\nENV PATH=/app/.heroku/node/bin:/usr/bin:/bin\nCMD ["npm", "start"]\n`);
      await writeFile(path.join(rawDir, '.dockerignore'), 'Dockerfile\n.dockerignore\n');
      await mkdir(npmCache);
      chownR(rawDir);
      chownR(npmCache);
      results.coldRaw.push(await raw(rawDir, nodeDir, npmCache));

      // Warm: a code change, same lockfile.
      const server = await readFile(path.join(repo, 'server.js'), 'utf8');
      const changed = server.replace(/const message = '.*';/, `const message = 'Hello from Node.js on Berth! round ${i}';`);
      await commitFile(repo, 'server.js', changed);
      results.warmBerth.push(await berthPush());
      await writeFile(path.join(rawDir, 'server.js'), changed);
      chownSync(path.join(rawDir, 'server.js'), asRoot ? 1000 : process.getuid!(), asRoot ? 1000 : process.getgid!());
      results.warmRaw.push(await raw(rawDir, nodeDir, npmCache));
    }
  } finally {
    await berth.destroy();
    removeAppObjects([...apps, RAW_APP]);
    for (const app of apps) execFileSync('docker', ['volume', 'rm', '-f', `berth-cache-${app}`], { stdio: 'ignore' });
    await rm(work, { recursive: true, force: true });
    for (const r of repos) await rm(r, { recursive: true, force: true });
  }
  const s = (xs: number[]) => `${(median(xs) / 1000).toFixed(2)} s`;
  const ratio = (a: number[], b: number[]) => `${(median(a) / median(b)).toFixed(2)}x`;
  console.log(`buildpack push-to-live (apps/node-hello), median of ${ROUNDS} rounds`);
  console.log('  berth = git push until the first 200 through the router');
  console.log('  raw   = npm ci in a build-stack container + docker build (classic builder, on a prepared Node.js base) + docker run + first 200');
  for (const [name, b, r] of [['cold', results.coldBerth, results.coldRaw], ['warm', results.warmBerth, results.warmRaw]] as const) {
    console.log(`${name}  berth ${s(b)}  raw ${s(r)}  berth/raw ${ratio(b, r)}`);
  }
  console.log(JSON.stringify(results));
}

main().catch((err) => { console.error(err); process.exit(1); });
