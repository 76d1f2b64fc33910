// Backing services against their hand-run baselines, measured in the same
// run, interleaved round by round, medians, as ratios (issue 21 item 5):
//   create:  services:create postgres until it accepts connections, against
//            `docker run` of the same image until pg_isready over TCP passes;
//   link:    services:link of a postgres to apps/node-postgres until the app
//            answers 200 through DATABASE_URL, against config:set of one var
//            on the same app until it answers (the redeploy a link makes
//            anyway, so the ratio is what linking adds to it);
//   backup:  services:backup of a ~100 MB database (dump, store write, check)
//            against `docker exec pg_dump -Fc > file`;
//   restore: services:restore of that backup against
//            `docker exec -i pg_restore --clean --single-transaction < file`;
//   memory:  an idle, empty postgres service's container memory (docker stats)
//            against an idle `docker run` of the same image.
// Usage: npm run bench:services   (needs `npm run build`, the service images,
// and the npm registry for the app's Node; BENCH_ROUNDS=3, BENCH_DB_MB=100)
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth } from '../helpers/berth.js';
import { api } from '../helpers/api.js';
import { removeAppObjects, removeServiceObjects } from '../helpers/docker.js';
import { sampleRepo, push } from '../helpers/git.js';
import { median, untilOk } from './wait-for-200.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DB_MB = Number(process.env.BENCH_DB_MB ?? 100);
const IMAGE = 'berth/service-postgres:15';
const LABEL = 'berth.bench=services';
// Async, so the event loop runs during a long by-hand step: a blocked loop
// misses the server closing an idle keep-alive socket, and the next API call
// is written onto it ("other side closed").
const execFileP = promisify(execFile);
const sh = async (cmd: string) => (await execFileP('sh', ['-c', cmd], { encoding: 'utf8', maxBuffer: 1 << 20 })).stdout.trim();
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const hex = () => randomBytes(3).toString('hex');
const timed = async (f: () => Promise<unknown> | unknown) => { const t = Date.now(); await f(); return Date.now() - t; };

/** Milliseconds from `docker run` to pg_isready; with `keep` the container stays (named `keep`). */
async function dockerRunReady(keep?: string): Promise<number> {
  const name = keep ?? `bench-pg-${hex()}`;
  try {
    return await timed(async () => {
      docker('run', '-d', '--name', name, '--label', LABEL, '-e', 'POSTGRES_PASSWORD=bench', '--entrypoint', '/usr/local/bin/berth-postgres', IMAGE);
      for (;;) {
        try { docker('exec', name, 'pg_isready', '-q', '-h', '127.0.0.1', '-U', 'postgres'); return; } catch { await sleep(100); }
      }
    });
  } finally {
    if (!keep) docker('rm', '-f', name);
  }
}

/** Container memory as docker stats reports it (cache excluded), in MiB. */
function memMiB(container: string): number {
  const [v, unit] = /^([\d.]+)\s*([KMG]i?B)/.exec(docker('stats', '--no-stream', '--format', '{{.MemUsage}}', container))!.slice(1) as [string, string];
  return Number(v) * ({ KiB: 1 / 1024, MiB: 1, GiB: 1024 } as Record<string, number>)[unit]!;
}

async function main(): Promise<void> {
  const berth = await startBerth();
  const work = mkdtempSync(path.join(tmpdir(), 'berth-bench-svc-'));
  const app = `bench-pgapp-${hex()}`;
  const made: string[] = [];
  const call = (m: string, p: string, b?: unknown) => api(berth.apiPort, berth.token, m, p, b);
  const ok = async (want: number, m: string, p: string, b?: unknown) => {
    const r = await call(m, p, b);
    if (r.status !== want) throw new Error(`${m} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const create = async () => {
    const name = `bench-${hex()}`;
    made.push(name);
    return timed(() => ok(201, 'POST', '/services', { kind: 'postgres', name }));
  };
  const serving = () => untilOk(berth.routerPort, `${app}.localhost`);
  try {
    // The app's first push (buildpack, Node from the npm registry) is not timed.
    const pushed = sampleRepo('node-postgres').then((dir) => push(dir, berth.remote(app)));
    await dockerRunReady(); // warm the image's layers for both sides
    const createMs: number[] = []; const runMs: number[] = [];
    let baseline = '';
    for (let i = 0; i < ROUNDS; i++) {
      // The last round's container stays up, idle, as the memory baseline.
      if (i === ROUNDS - 1) baseline = `bench-pg-idle-${hex()}`;
      runMs.push(await dockerRunReady(baseline || undefined));
      createMs.push(await create());
    }
    const res = await pushed;
    if (res.code !== 0) throw new Error(`push of node-postgres failed:\n${res.output}`);

    // Link to serving vs config:set to serving, on the same app, round by round.
    const linked = made[1] ?? made[0]!;
    const linkMs: number[] = []; const setMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      linkMs.push(await timed(async () => { await ok(200, 'POST', `/services/${linked}/links`, { app }); await serving(); }));
      setMs.push(await timed(async () => { await ok(200, 'PUT', `/apps/${app}/config`, { vars: { TOUCH: hex() } }); await serving(); }));
      await ok(200, 'DELETE', `/services/${linked}/links/${app}`);
    }

    const db = made[0]!;
    const c = `berth-svc-${db}`;
    const psql = (sql: string) => docker('exec', c, 'psql', '-XtAq', '-h', '/var/run/postgresql', '-U', 'postgres', '-c', sql);
    // ~100 bytes a row of md5 text, so incompressible-ish data of about DB_MB.
    psql(`CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g*7)::text) || md5((g*13)::text) AS t FROM generate_series(1, ${DB_MB * 7000}) g;`);
    const size = Number(psql("SELECT pg_database_size('postgres')"));
    const dump = path.join(work, 'direct.dump');
    const backupMs: number[] = []; const dumpMs: number[] = []; const restoreMs: number[] = []; const pgRestoreMs: number[] = [];
    let lastId = '';
    for (let i = 0; i < ROUNDS; i++) {
      dumpMs.push(await timed(() => sh(`docker exec ${c} pg_dump -Fc -h /var/run/postgresql -U postgres -d postgres > ${dump}`)));
      backupMs.push(await timed(async () => { lastId = (await ok(201, 'POST', `/services/${db}/backups`, {})).backup.id; }));
      pgRestoreMs.push(await timed(() => sh(`docker exec -i ${c} pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error -h /var/run/postgresql -U postgres -d postgres < ${dump}`)));
      restoreMs.push(await timed(() => ok(200, 'POST', `/services/${db}/restore`, { backup: lastId })));
    }

    // Memory: a service that was never linked nor filled, against the idle docker run, after both settle.
    await sleep(10_000);
    const idleSvc = made[made.length - 1]!;
    const svcMem: number[] = []; const runMem: number[] = [];
    for (let i = 0; i < 3; i++) {
      svcMem.push(memMiB(`berth-svc-${idleSvc}`));
      runMem.push(memMiB(baseline));
      await sleep(1000);
    }
    const bigMem = memMiB(c);

    const s = (xs: number[]) => `${(median(xs) / 1000).toFixed(2)} s`;
    const ratio = (a: number[], b: number[]) => `${(median(a) / median(b)).toFixed(2)}x`;
    const per = (a: number[], b: number[]) => a.map((x, i) => `${(x / b[i]!).toFixed(2)}x`).join(', ');
    console.log(`services bench, median of ${ROUNDS} interleaved rounds; database ${(size / 1048576).toFixed(0)} MB, dump ${(statSync(dump).size / 1048576).toFixed(0)} MB; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    console.log(`create to accepting connections: services:create ${s(createMs)} vs docker run + pg_isready ${s(runMs)} = ${ratio(createMs, runMs)} (rounds ${per(createMs, runMs)})`);
    console.log(`link to serving with DATABASE_URL: services:link + first 200 ${s(linkMs)} vs config:set + first 200 ${s(setMs)} = ${ratio(linkMs, setMs)} (rounds ${per(linkMs, setMs)})`);
    console.log(`backup: services:backup (dump, write, check) ${s(backupMs)} vs pg_dump -Fc to a file ${s(dumpMs)} = ${ratio(backupMs, dumpMs)} (rounds ${per(backupMs, dumpMs)})`);
    console.log(`restore: services:restore ${s(restoreMs)} vs pg_restore --single-transaction ${s(pgRestoreMs)} = ${ratio(restoreMs, pgRestoreMs)} (rounds ${per(restoreMs, pgRestoreMs)})`);
    console.log(`idle memory (docker stats, median of 3 readings): empty postgres service ${median(svcMem).toFixed(1)} MiB vs docker run of the same image ${median(runMem).toFixed(1)} MiB = ${(median(svcMem) / median(runMem)).toFixed(2)}x; the service that held the ${(size / 1048576).toFixed(0)} MB database ${bigMem.toFixed(1)} MiB`);
  } catch (err) {
    console.error(`the server's last lines:\n${berth.output().split('\n').slice(-40).join('\n')}`);
    throw err;
  } finally {
    await berth.destroy();
    removeAppObjects([app]);
    removeServiceObjects(made);
    for (const id of docker('ps', '-aq', '--filter', `label=${LABEL}`).split('\n').filter(Boolean)) docker('rm', '-f', id);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
