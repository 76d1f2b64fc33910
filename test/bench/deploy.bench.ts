// Push-to-live benchmark: Berth's `git push` until the app answers through
// the router, against the raw lower bound measured in the same run:
// `docker build` + `docker run` + polling until the first 200, by hand.
//
// Two raw baselines, because the docker CLI here has no buildx: the CLI's
// classic builder (what a user types), and BuildKit through the Engine API
// (the same build path Berth uses, so the gap is Berth's own overhead).
//
//   cold: every layer after FROM is new (a random marker busts the cache)
//   warm: only the app's code changed; earlier layers come from the cache
//
// Usage: npm run bench   (needs `npm run build` and the stack images)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { startBerth } from '../helpers/berth.js';
import { commitFile, sampleRepo } from '../helpers/git.js';
import { removeAppObjects } from '../helpers/docker.js';
import { median, runUntilOk, timedPush } from './wait-for-200.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '0' } }).trim();

const marker = () => `RUN echo ${randomBytes(6).toString('hex')} > /etc/berth-bench-marker\n`;

async function withMarker(dir: string): Promise<void> {
  const dockerfile = await readFile(path.join(dir, 'Dockerfile'), 'utf8');
  const lines = dockerfile.replace(/^RUN echo .* > \/etc\/berth-bench-marker\n/m, '').split('\n');
  const from = lines.findIndex((l) => l.startsWith('FROM'));
  lines.splice(from + 1, 0, marker().trimEnd());
  await writeFile(path.join(dir, 'Dockerfile'), lines.join('\n'));
}

const engine = new Dockerode({ socketPath: '/var/run/docker.sock' });

/** `docker build` through the Engine API with BuildKit, as Berth does. */
async function buildkitBuild(dir: string, tag: string): Promise<void> {
  const tar = execFileSync('tar', ['-C', dir, '--exclude=.git', '-c', '.']);
  const stream = (await engine.buildImage(Readable.from([tar]) as unknown as NodeJS.ReadableStream, { t: tag, version: '2' } as never)) as unknown as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => {
    let failed = '';
    stream.on('data', (d: Buffer) => { if (d.toString().includes('"error"')) failed = d.toString(); });
    stream.on('end', () => (failed ? reject(new Error(failed)) : resolve()));
    stream.on('error', reject);
  });
}

// Every baseline image, removed at the end: each rebuild moves the tag and
// leaves the previous image untagged, but removing it earlier would take the
// next build's cache with it.
const rawImages = new Set<string>();

/** The lower bound: the same steps by hand. */
async function raw(dir: string, tag: string, builder: 'cli' | 'buildkit'): Promise<number> {
  const t0 = performance.now();
  if (builder === 'cli') docker('build', '-q', '-t', tag, dir);
  else await buildkitBuild(dir, tag);
  await runUntilOk(tag, 'bench-raw');
  const took = performance.now() - t0;
  rawImages.add(docker('image', 'inspect', '-f', '{{.Id}}', tag));
  return took;
}

async function main(): Promise<void> {
  const berth = await startBerth({ BERTH_DRAIN_MS: '0' });
  const app = `bench-${randomBytes(3).toString('hex')}`;
  const repo = await sampleRepo('dockerfile-hello');
  const rawDir = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-raw-'));
  const rawTag = `berth/app-bench-raw:${randomBytes(3).toString('hex')}`;
  const results = {
    coldBerth: [] as number[], coldCli: [] as number[], coldKit: [] as number[],
    warmBerth: [] as number[], warmCli: [] as number[], warmKit: [] as number[],
  };
  const berthPush = () => timedPush(berth, repo, app);
  try {
    for (let i = 0; i < ROUNDS; i++) {
      // Cold: new marker layer, so nothing after FROM is cached.
      await withMarker(repo);
      await commitFile(repo, 'Dockerfile', await readFile(path.join(repo, 'Dockerfile'), 'utf8'), 'cold');
      results.coldBerth.push(await berthPush());
      execFileSync('cp', ['-r', `${repo}/.`, rawDir]);
      await withMarker(rawDir);
      results.coldCli.push(await raw(rawDir, rawTag, 'cli'));
      await withMarker(rawDir);
      results.coldKit.push(await raw(rawDir, rawTag, 'buildkit'));
      // Warm: only message.txt changes.
      const msg = `Hello from Berth! ${i}\n`;
      await commitFile(repo, 'message.txt', msg);
      results.warmBerth.push(await berthPush());
      await writeFile(path.join(rawDir, 'message.txt'), msg);
      results.warmCli.push(await raw(rawDir, rawTag, 'cli'));
      await writeFile(path.join(rawDir, 'message.txt'), `${msg}kit\n`);
      results.warmKit.push(await raw(rawDir, rawTag, 'buildkit'));
    }
  } finally {
    await berth.destroy();
    removeAppObjects([app, 'bench-raw']);
    // The hand-built baseline images carry no Berth label: remove them by id.
    try { docker('rmi', '-f', rawTag, ...rawImages); } catch { /* some already gone */ }
    await rm(rawDir, { recursive: true, force: true });
    await rm(repo, { recursive: true, force: true });
  }
  const s = (xs: number[]) => `${(median(xs) / 1000).toFixed(2)} s`;
  const ratio = (a: number[], b: number[]) => `${(median(a) / median(b)).toFixed(2)}x`;
  console.log(`push-to-live, median of ${ROUNDS} rounds`);
  console.log('  berth = git push until the first 200 through the router');
  console.log('  cli   = docker build (classic builder, DOCKER_BUILDKIT=0) + docker run + first 200');
  console.log('  kit   = BuildKit build via the Engine API + docker run + first 200');
  for (const [name, b, cli, kit] of [
    ['cold', results.coldBerth, results.coldCli, results.coldKit],
    ['warm', results.warmBerth, results.warmCli, results.warmKit],
  ] as const) {
    console.log(`${name}  berth ${s(b)}  cli ${s(cli)}  kit ${s(kit)}  berth/cli ${ratio(b, cli)}  berth/kit ${ratio(b, kit)}`);
  }
  console.log(JSON.stringify(results));
}

main().catch((err) => { console.error(err); process.exit(1); });
