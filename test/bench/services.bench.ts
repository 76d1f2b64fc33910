// Backing services against their hand-run baselines, measured in the same
// run, interleaved round by round, medians, as ratios (issue 21 item 5):
//   create:  services:create postgres until it accepts connections, against
//            `docker run` of the same image until pg_isready over TCP passes;
//   backup:  services:backup of a ~100 MB database (dump, store write, check)
//            against `docker exec pg_dump -Fc > file`;
//   restore: services:restore of that backup against
//            `docker exec -i pg_restore --clean --single-transaction < file`;
//   memory:  an idle postgres service's container memory (docker stats).
// Usage: node --import tsx test/bench/services.bench.ts   (needs `npm run build`,
// the service images; BENCH_ROUNDS=3, BENCH_DB_MB=100)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth } from '../helpers/berth.js';
import { api } from '../helpers/api.js';
import { median } from './wait-for-200.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DB_MB = Number(process.env.BENCH_DB_MB ?? 100);
const IMAGE = 'berth/service-postgres:15';
const LABEL = 'berth.bench=services';
const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim();
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const hex = () => randomBytes(3).toString('hex');
const timed = async (f: () => Promise<unknown> | unknown) => { const t = Date.now(); await f(); return Date.now() - t; };

async function dockerRunReady(): Promise<number> {
  const name = `bench-pg-${hex()}`;
  try {
    return await timed(async () => {
      docker('run', '-d', '--name', name, '--label', LABEL, '-e', 'POSTGRES_PASSWORD=bench', '--entrypoint', '/usr/local/bin/berth-postgres', IMAGE);
      for (;;) {
        try { docker('exec', name, 'pg_isready', '-q', '-h', '127.0.0.1', '-U', 'postgres'); return; } catch { await sleep(100); }
      }
    });
  } finally {
    docker('rm', '-f', name);
  }
}

async function main(): Promise<void> {
  const berth = await startBerth();
  const work = mkdtempSync(path.join(tmpdir(), 'berth-bench-svc-'));
  const made: string[] = [];
  const call = (m: string, p: string, b?: unknown) => api(berth.apiPort, berth.token, m, p, b);
  const create = async () => {
    const name = `bench-${hex()}`;
    made.push(name);
    const ms = await timed(async () => { const r = await call('POST', '/services', { kind: 'postgres', name }); if (r.status !== 201) throw new Error(JSON.stringify(r.body)); });
    return { name, ms };
  };
  try {
    await dockerRunReady(); // warm the image's layers for both sides
    const createMs: number[] = [];
    const runMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      runMs.push(await dockerRunReady());
      createMs.push((await create()).ms);
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
      backupMs.push(await timed(async () => {
        const r = await call('POST', `/services/${db}/backups`, {});
        if (r.status !== 201) throw new Error(JSON.stringify(r.body));
        lastId = r.body.backup.id;
      }));
      pgRestoreMs.push(await timed(() => sh(`docker exec -i ${c} pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error -h /var/run/postgresql -U postgres -d postgres < ${dump}`)));
      restoreMs.push(await timed(async () => { const r = await call('POST', `/services/${db}/restore`, { backup: lastId }); if (r.status !== 200) throw new Error(JSON.stringify(r.body)); }));
    }
    await sleep(10_000);
    const idle = made.map((n) => docker('stats', '--no-stream', '--format', '{{.MemUsage}}', `berth-svc-${n}`).split('/')[0]!.trim());
    const s = (xs: number[]) => `${(median(xs) / 1000).toFixed(2)} s`;
    const ratio = (a: number[], b: number[]) => `${(median(a) / median(b)).toFixed(2)}x`;
    console.log(`services bench, median of ${ROUNDS} interleaved rounds; database ${(size / 1048576).toFixed(0)} MB, dump ${(Number(sh(`stat -c %s ${dump}`)) / 1048576).toFixed(0)} MB`);
    console.log(`create to accepting connections: services:create ${s(createMs)} vs docker run + pg_isready ${s(runMs)} = ${ratio(createMs, runMs)}`);
    console.log(`backup: services:backup (dump, write, check) ${s(backupMs)} vs pg_dump -Fc to a file ${s(dumpMs)} = ${ratio(backupMs, dumpMs)}`);
    console.log(`restore: services:restore ${s(restoreMs)} vs pg_restore --single-transaction ${s(pgRestoreMs)} = ${ratio(restoreMs, pgRestoreMs)}`);
    console.log(`idle memory of a postgres service (docker stats): ${idle.join(', ')}`);
  } finally {
    await berth.destroy();
    for (const n of made) {
      for (const id of docker('ps', '-aq', '--filter', `label=berth.service=${n}`).split('\n').filter(Boolean)) docker('rm', '-f', id);
      for (const kind of ['network', 'volume']) {
        for (const id of docker(kind, 'ls', '-q', '--filter', `label=berth.service=${n}`).split('\n').filter(Boolean)) { try { docker(kind, 'rm', id); } catch { /* gone */ } }
      }
    }
    for (const id of docker('ps', '-aq', '--filter', `label=${LABEL}`).split('\n').filter(Boolean)) docker('rm', '-f', id);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
