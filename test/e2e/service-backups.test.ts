// Service backups end to end (issue 21 item 2) against a real postgres and
// redis, the real CLI, and s3rver: back up, break the data, restore, read it
// back; a failed backup is listed with its reason, audited, flagged on the
// service and exits non-zero; retention keeps the good one; a schedule fires
// by itself after a restart that moves the store to S3.
// One Berth (restarted once), one postgres, one redis, no app pushes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { removeServiceObjects } from '../helpers/docker.js';
import { api } from '../helpers/api.js';
import { BIN } from '../helpers/cli.js';
import { startTestS3, type TestS3 } from '../helpers/s3rver.js';

const hex = () => randomBytes(3).toString('hex');
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', timeout: 60_000 }).trim();

describe('service backups', () => {
  let berth: Berth;
  let s3: TestS3;
  const db = `db-${hex()}`;
  const copy = `copy-${hex()}`;
  const cache = `cache-${hex()}`;
  const files = mkdtempSync(path.join(tmpdir(), 'berth-backups-e2e-'));
  const call = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);
  /** The real CLI through sh, so a test can redirect stdin/stdout to files. */
  const cli = (line: string, timeoutMs = 180_000) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('sh', ['-c', `"${process.execPath}" "${BIN}" ${line}`], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', BERTH_URL: `http://127.0.0.1:${berth.apiPort}`, BERTH_TOKEN: berth.token, BERTH_DATA_DIR: '/nonexistent' },
    });
    let stdout = ''; let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, stdout, stderr }); });
  });
  const psql = (service: string, sql: string) => docker('exec', `berth-svc-${service}`, 'psql', '-XtAq', '-h', '/var/run/postgresql', '-U', 'postgres', '-c', sql);
  const redis = (...args: string[]) => docker('exec', `berth-svc-${cache}`, 'redis-cli', ...args);
  const backups = async (name: string) => (await call('GET', `/services/${name}/backups`)).body;
  const idOf = (out: string) => /Backup (\d{8}-\d{6}-[0-9a-f]{6})/.exec(out)?.[1] ?? assert.fail(`no backup id in: ${out}`);

  before(async () => {
    [berth, s3] = await Promise.all([startBerth(), startTestS3()]);
    const created = await Promise.all([call('POST', '/services', { kind: 'postgres', name: db }), call('POST', '/services', { kind: 'redis', name: cache })]);
    for (const c of created) assert.equal(c.status, 201, JSON.stringify(c.body));
    psql(db, 'CREATE TABLE visits (n int, note text); INSERT INTO visits SELECT g, md5(g::text) FROM generate_series(1, 1000) g;');
  });
  after(async () => {
    await berth?.destroy();
    await s3?.stop();
    removeServiceObjects([db, copy, cache]);
    rmSync(files, { recursive: true, force: true });
  });

  test('postgres: back up to the local store, drop the table, restore, the rows are back', async () => {
    const made = await cli(`services:backup ${db}`);
    assert.equal(made.code, 0, made.stderr);
    const id = idOf(made.stdout);
    assert.match(made.stdout, /written to local .*\/backups/);
    assert.match(made.stdout, /check: passed/);
    assert.ok(statSync(path.join(berth.dataDir, 'backups', db, `${id}.dump`)).size > 10_000);
    psql(db, 'DROP TABLE visits;');
    const restored = await cli(`services:restore ${db} ${id}`);
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(psql(db, 'SELECT count(*) FROM visits'), '1000');
    const list = await cli(`services:backups ${db}`);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${id}\\s+succeeded, checked\\s+\\d+\\.\\d KB\\s+\\d+\\.\\ds`));
    assert.match(list.stdout, /Schedule: none/);
    const info = (await call('GET', `/services/${db}`)).body.service;
    assert.equal(info.lastBackup.id, id);
    assert.equal(info.lastBackup.status, 'succeeded');
  });

  test('a backup that fails is listed with its reason, audited, flagged on the service, and the CLI exits non-zero', async () => {
    // The store cannot be written: a file stands where the service's backup directory goes (root ignores modes).
    const dir = path.join(berth.dataDir, 'backups', db);
    renameSync(dir, `${dir}.away`);
    writeFileSync(dir, 'not a directory');
    try {
      const failed = await cli(`services:backup ${db}`);
      assert.notEqual(failed.code, 0);
      assert.match(failed.stderr, / ! {5}backup \S+ of .* failed: could not write .*(EEXIST|ENOTDIR)/);
      const [last] = (await backups(db)).backups;
      assert.equal(last.status, 'failed');
      assert.match(last.error, /could not write/);
      assert.equal(last.size, undefined);
      const list = await cli(`services:backups ${db}`);
      assert.match(list.stdout, /FAILED/);
      assert.match(list.stderr, /the last backup of .* failed/);
      assert.equal((await call('GET', `/services/${db}`)).body.service.lastBackup.status, 'failed');
      const events = (await call('GET', '/events?n=50')).body.events as { action: string; result: string; detail?: string; error?: string }[];
      assert.ok(events.some((e) => e.action === 'services:backup' && e.result === 'failed' && e.detail === db && e.error === 'backup_failed'), JSON.stringify(events.slice(-5)));
    } finally {
      rmSync(dir, { force: true });
      renameSync(`${dir}.away`, dir);
    }
    // A stopped service fails too, with the reason, and leaves no file behind.
    docker('stop', '-t', '5', `berth-svc-${db}`);
    try {
      const failed = await cli(`services:backup ${db}`);
      assert.notEqual(failed.code, 0);
      assert.match(failed.stderr, /not running/);
    } finally {
      assert.equal((await cli(`services:restart ${db}`)).code, 0);
    }
    assert.equal(readdirSync(path.join(berth.dataDir, 'backups', db)).filter((f) => !f.endsWith('.dump')).length, 0, 'no temp file left');
  });

  test('retention: --keep 1 removes older good backups, never the newest good one; failed ones do not count', async () => {
    const before = (await backups(db)).backups as { id: string; status: string }[];
    const firstGood = before.find((b) => b.status === 'succeeded')!.id;
    const made = await cli(`services:backup ${db} --keep 1`);
    assert.equal(made.code, 0, made.stderr);
    const id = idOf(made.stdout);
    const after = (await backups(db)).backups as { id: string; status: string; removedAt?: number }[];
    assert.ok(after.find((b) => b.id === firstGood)?.removedAt, 'the older good backup was removed');
    assert.ok(!existsSync(path.join(berth.dataDir, 'backups', db, `${firstGood}.dump`)));
    assert.ok(existsSync(path.join(berth.dataDir, 'backups', db, `${id}.dump`)));
    assert.equal(after.filter((b) => b.status === 'failed').length, 2, 'failed entries stay listed');
    const gone = await cli(`services:restore ${db} ${firstGood}`);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /removed by retention/);
  });

  test('a schedule survives a restart that moves the store to S3, and backs up by itself; restore --to a new service from S3', async () => {
    const bad = await cli(`services:backups:schedule ${db} "every day" --keep 3`);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /five fields in UTC/);
    const set = await cli(`services:backups:schedule ${db} "* * * * *" --keep 3`);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /next run \d{4}-\d\d-\d\d \d\d:\d\d:00Z/);
    await berth.stop();
    Object.assign(berth.env, s3.env);
    await berth.start();

    const made = await cli(`services:backup ${db}`);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /written to s3:\/\/berth-backups\/test\//);
    const id = idOf(made.stdout);
    psql(db, 'DELETE FROM visits WHERE n > 10;');
    const restored = await cli(`services:restore ${db} ${id} --to ${copy}`);
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(psql(copy, 'SELECT count(*) FROM visits'), '1000');
    assert.equal(psql(db, 'SELECT count(*) FROM visits'), '10', 'the source service is left as it is');

    // The scheduled run: within a minute of the restart (and a little slack on a loaded machine).
    const until = Date.now() + 150_000;
    let scheduled: { status: string; store: string; trigger: string } | undefined;
    while (!scheduled && Date.now() < until) {
      scheduled = (await backups(db)).backups.find((b: { trigger: string; status: string }) => b.trigger === 'schedule' && b.status !== 'running');
      if (!scheduled) await sleep(2000);
    }
    assert.ok(scheduled, `no scheduled backup within the deadline:\n${berth.output().slice(-2000)}`);
    assert.equal(scheduled.status, 'succeeded', JSON.stringify(scheduled));
    assert.match(scheduled.store, /^s3:\/\/berth-backups\/test\/$/);
    const list = await cli(`services:backups ${db}`);
    assert.match(list.stdout, /Schedule: \* \* \* \* \* \(UTC\), keep 3; next run/);
    const events = (await call('GET', '/events?n=50')).body.events as { action: string; user: string; result: string }[];
    assert.ok(events.some((e) => e.action === 'services:backup' && e.user === 'scheduler' && e.result === 'ok'));
    assert.equal((await cli(`services:backups:unschedule ${db}`)).code, 0);
  });

  test('redis: backup and restore round trip; export and import stream through the API', async () => {
    redis('SET', 'greeting', 'hello');
    const made = await cli(`services:backup ${cache}`);
    assert.equal(made.code, 0, made.stderr);
    const id = idOf(made.stdout);
    assert.match(made.stdout, /check: passed/);
    redis('FLUSHALL');
    const restored = await cli(`services:restore ${cache} ${id}`);
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(redis('GET', 'greeting'), 'hello');

    const dump = path.join(files, 'db.dump');
    const exported = await cli(`services:export ${db} > ${dump}`);
    assert.equal(exported.code, 0, exported.stderr);
    assert.ok(statSync(dump).size > 1000, `dump of ${statSync(dump).size} bytes`);
    psql(copy, 'DROP TABLE visits;');
    const imported = await cli(`services:import ${copy} < ${dump}`);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(psql(copy, 'SELECT count(*) FROM visits'), '10');
    const junk = path.join(files, 'junk');
    writeFileSync(junk, 'not a dump');
    const refused = await cli(`services:import ${copy} < ${junk}`);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /pg_restore exited with code 1/);
    assert.equal(psql(copy, 'SELECT count(*) FROM visits'), '10', 'a bad import changes nothing');
  });
});
