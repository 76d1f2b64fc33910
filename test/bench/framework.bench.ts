// Framework push-to-live benchmark: Berth's `git push` of a generated Next.js
// app (test/bench/fixtures/next-app: create-next-app 16.4.3, --ts --eslint
// --app, its next/font/google import removed since there is no internet,
// engines.node 22.x) until it answers through the router, against the raw
// lower bound of the same work by hand, in the same run, rounds interleaved:
//   npm ci + next build (with its .next/cache from the last round) in a
//   build-stack container -> docker build of the result on a base image that
//   already has Node.js (.next/cache left out) -> docker run -> the first 200.
//
//   cold: a new app (empty cache volume) / a fresh copy and npm cache
//   warm: a code-only change (app/page.tsx), same lockfile
// Per Berth release it also measures the image data the release added over
// the one before (the sizes of the layers vN does not share with vN-1).
//
// Usage: npm run bench:framework   (needs `npm run build` and the stack
// images; BENCH_ROUNDS=2 by default: next build takes half a minute)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBerth, ROOT } from '../helpers/berth.js';
import { commitFile, git } from '../helpers/git.js';
import { removeAppObjects } from '../helpers/docker.js';
import { median, runUntilOk, untilOk } from './wait-for-200.js';
import { push } from '../helpers/git.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const FIXTURE = path.join(ROOT, 'test/bench/fixtures/next-app');
const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DOCKER_BUILDKIT: '0' } }).trim();
const asRoot = process.getuid?.() === 0;
const user = asRoot ? '1000:1000' : `${process.getuid?.()}:${process.getgid?.()}`;
const chownR = (p: string) => { if (asRoot) execFileSync('chown', ['-R', '1000:1000', p]); };
const MB = 1024 * 1024;
// The stack images under private tags for the run: a rebuild of berth/stack
// meanwhile (another checkout's install.sh) must not turn warm rounds cold.
const STAMP = randomBytes(3).toString('hex');
const RUN = `berth/stack:fwbench-${STAMP}`;
const BUILD = `berth/stack:fwbench-${STAMP}-build`;
// Per run, so two runs at once never clean up each other's images.
const RAW_APP = `bench-fwraw-${STAMP}`;

/** Node.js 22 as the buildpack installs it, in an image the raw side builds on (untimed). */
async function prepareRawBase(work: string): Promise<string> {
  const nodeDir = path.join(work, 'node');
  const probe = path.join(work, 'probe');
  await mkdir(nodeDir);
  await mkdir(probe);
  await mkdir(path.join(work, 'probe-cache'));
  await writeFile(path.join(probe, 'package.json'), JSON.stringify({ name: 'probe', engines: { node: '22.x' } }));
  chownR(work);
  docker('run', '--rm', '--user', user, '-e', 'HOME=/tmp', '-v', `${ROOT}/buildpacks:/bp:ro`, '-v', `${probe}:/app`,
    '-v', `${work}/probe-cache:/cache`, BUILD, '/bp/nodejs/bin/compile', '/app', '/cache', '/env');
  docker('run', '--rm', '--user', user, '-v', `${probe}:/app`, '-v', `${nodeDir}:/out`, BUILD, 'cp', '-a', '/app/.heroku/node/.', '/out/');
  await writeFile(path.join(work, 'Dockerfile.base'), `FROM ${RUN}\nCOPY --chown=1000:1000 node /app/.heroku/node\n`);
  docker('build', '-q', '--label', `berth.app=${RAW_APP}`, '-t', `berth/app-${RAW_APP}:node`, '-f', path.join(work, 'Dockerfile.base'), work);
  return nodeDir;
}

/** The lower bound: npm ci + next build in a container, docker build, docker run, first 200. */
async function raw(dir: string, nodeDir: string, npmCache: string): Promise<number> {
  const t0 = performance.now();
  docker('run', '--rm', '--user', user, '-e', 'HOME=/tmp', '-e', 'npm_config_cache=/npm-cache', '-e', 'npm_config_update_notifier=false',
    '-e', 'npm_config_audit=false', '-e', 'npm_config_fund=false', '-e', 'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
    '-e', 'NEXT_TELEMETRY_DISABLED=1', '-e', 'PATH=/opt/node/bin:/usr/bin:/bin', '-v', `${nodeDir}:/opt/node:ro`,
    '-v', `${npmCache}:/npm-cache`, '-v', `${dir}:/app`, '-w', '/app',
    BUILD, 'sh', '-c', 'npm ci --prefer-offline && npm run build');
  const tag = `berth/app-${RAW_APP}:${randomBytes(3).toString('hex')}`;
  docker('build', '-q', '--label', `berth.app=${RAW_APP}`, '-t', tag, dir);
  await runUntilOk(tag, RAW_APP);
  return performance.now() - t0;
}

/** Bytes of the layers `image` has and `previous` has not (all of them without a previous). */
function addedBytes(image: string, previous?: string): number {
  // Entries from the bottom; committed and built steps each made one.
  const history = (ref: string) => docker('history', '--no-trunc', '--human=false', '--format', '{{.ID}}|{{.CreatedAt}}|{{.CreatedBy}}|{{.Size}}', ref)
    .split('\n').reverse();
  const now = history(image);
  const before = previous ? history(previous) : [];
  let shared = 0;
  while (shared < now.length && now[shared] === before[shared]) shared++;
  return now.slice(shared).reduce((sum, line) => sum + Number(line.split('|').pop()), 0);
}

interface PushFigures { ms: number; timings: string; reused: string }

async function berthPush(berth: Awaited<ReturnType<typeof startBerth>>, repo: string, app: string): Promise<PushFigures> {
  const t0 = performance.now();
  const res = await push(repo, berth.remote(app));
  if (res.code !== 0) throw new Error(`push failed:\n${res.output}`);
  await untilOk(berth.routerPort, `${app}.localhost`);
  const ms = performance.now() - t0;
  const line = (re: RegExp) => res.output.split('\n').find((l) => re.test(l))?.replace(/^remote:\s+/, '').trim() ?? '-';
  return { ms, timings: line(/build [\d.]+s · /), reused: line(/^remote:\s+reused: /) };
}

async function main(): Promise<void> {
  docker('tag', 'berth/stack:bookworm', RUN);
  docker('tag', 'berth/stack:bookworm-build', BUILD);
  const berth = await startBerth({ BERTH_DRAIN_MS: '0', BERTH_STACK_IMAGE: RUN, BERTH_BUILD_IMAGE: BUILD }).catch((err) => {
    docker('image', 'rm', RUN, BUILD);
    throw err;
  });
  const work = await mkdtemp(path.join(os.tmpdir(), 'berth-fwbench-'));
  const apps: string[] = [];
  const r = { coldBerth: [] as number[], coldRaw: [] as number[], warmBerth: [] as number[], warmRaw: [] as number[],
    coldMb: [] as number[], warmMb: [] as number[], notes: [] as string[] };
  try {
    const nodeDir = await prepareRawBase(work);
    for (let i = 0; i < ROUNDS; i++) {
      const app = `bench-fw-${randomBytes(3).toString('hex')}`;
      apps.push(app);
      const repo = path.join(work, `repo-${i}`);
      await cp(FIXTURE, repo, { recursive: true });
      git(repo, 'init', '-q', '-b', 'main');
      git(repo, 'add', '.');
      git(repo, 'commit', '-qm', 'create-next-app');
      const cold = await berthPush(berth, repo, app);
      r.coldBerth.push(cold.ms);
      r.coldMb.push(addedBytes(`berth/app-${app}:v1`, RUN) / MB);
      r.notes.push(`round ${i} cold: ${cold.timings}`);

      const rawDir = path.join(work, `raw-${i}`);
      const npmCache = path.join(work, `npm-cache-${i}`);
      await cp(FIXTURE, rawDir, { recursive: true });
      await writeFile(path.join(rawDir, 'Dockerfile'), `FROM berth/app-${RAW_APP}:node\nCOPY --chown=1000:1000 . /app\nUSER app\nWORKDIR /app\n`
        + 'ENV PATH=/app/.heroku/node/bin:/usr/bin:/bin NODE_ENV=production NEXT_TELEMETRY_DISABLED=1\nCMD ["sh", "-c", "exec node_modules/.bin/next start -p $PORT"]\n');
      await writeFile(path.join(rawDir, '.dockerignore'), 'Dockerfile\n.dockerignore\n.next/cache\n');
      await mkdir(npmCache);
      chownR(rawDir);
      chownR(npmCache);
      r.coldRaw.push(await raw(rawDir, nodeDir, npmCache));

      // Warm: a code-only change, same lockfile.
      const page = await readFile(path.join(repo, 'app/page.tsx'), 'utf8');
      const changed = page.replace('To get started, edit the{" "}', `Round ${i}: edited the{" "}`);
      if (changed === page) throw new Error('the fixture page.tsx no longer has the text the warm round edits');
      await commitFile(repo, 'app/page.tsx', changed);
      const warm = await berthPush(berth, repo, app);
      r.warmBerth.push(warm.ms);
      r.warmMb.push(addedBytes(`berth/app-${app}:v2`, `berth/app-${app}:v1`) / MB);
      r.notes.push(`round ${i} warm: ${warm.timings}; ${warm.reused}`);
      await writeFile(path.join(rawDir, 'app/page.tsx'), changed);
      chownR(rawDir);
      r.warmRaw.push(await raw(rawDir, nodeDir, npmCache));
      // Per round as it goes: on a busy machine a run may be cut short.
      const sec = (xs: number[]) => (xs.at(-1)! / 1000).toFixed(1);
      console.log(`round ${i}: cold berth ${sec(r.coldBerth)} s raw ${sec(r.coldRaw)} s; warm berth ${sec(r.warmBerth)} s raw ${sec(r.warmRaw)} s; `
        + `added v1 ${r.coldMb.at(-1)!.toFixed(1)} MB, v2 ${r.warmMb.at(-1)!.toFixed(1)} MB`);
    }
  } finally {
    await berth.destroy();
    removeAppObjects([...apps, RAW_APP]);
    for (const app of apps) execFileSync('docker', ['volume', 'rm', '-f', `berth-cache-${app}`], { stdio: 'ignore' });
    await rm(work, { recursive: true, force: true });
    docker('image', 'rm', RUN, BUILD); // only untags: berth/stack:bookworm-<hash> keeps them
  }
  const s = (xs: number[]) => `${(median(xs) / 1000).toFixed(1)} s`;
  const ratio = (a: number[], b: number[]) => `${(median(a) / median(b)).toFixed(2)}x`;
  console.log(`framework push-to-live (Next.js 16, test/bench/fixtures/next-app), median of ${ROUNDS} rounds`);
  console.log('  berth = git push until the first 200 through the router');
  console.log('  raw   = npm ci + next build (its cache kept) in a build-stack container + docker build (classic builder,'
    + ' on a prepared Node.js base) + docker run + first 200');
  for (const [name, b, w] of [['cold', r.coldBerth, r.coldRaw], ['warm', r.warmBerth, r.warmRaw]] as const) {
    console.log(`${name}  berth ${s(b)}  raw ${s(w)}  berth/raw ${ratio(b, w)}`);
  }
  console.log(`image data added: v1 ${median(r.coldMb).toFixed(1)} MB over the run stack, v2 (code-only) ${median(r.warmMb).toFixed(1)} MB over v1`);
  for (const n of r.notes) console.log(`  ${n}`);
  console.log(JSON.stringify(r));
}

main().catch((err) => { console.error(err); process.exit(1); });
