// Persistent storage end to end, on the local engine: one Berth server, one
// buildpack app (the Procfile buildpack, run as the slug's non-root user)
// that writes a file per request into its mounts. A volume and a directory
// under the storage root are mounted and written to; paths out of the root
// are refused with the rule; a redeploy under a client loop fails no
// request and loses no file; `berth run` sees the mounts; a symlink swapped
// in after the mount is refused at container creation; stop-first is opt-in;
// apps:destroy keeps the volume unless --purge-storage.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, ROOT, type Berth } from '../helpers/berth.js';
import { git, push } from '../helpers/git.js';
import { LOOP_PAUSE_MS, viaRouter } from '../helpers/http.js';
import { api } from '../helpers/api.js';
import { runBerthCli } from '../helpers/cli.js';
import { removeAppObjects } from '../helpers/docker.js';

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const volumeExists = (name: string) => docker('volume', 'ls', '-q', '--filter', `name=^${name}$`) === name;

describe('storage mounts', () => {
  let berth: Berth;
  let home: string;
  const app = `t-${randomBytes(4).toString('hex')}`;
  const dirName = `${app}-shared`;
  const volume = `berth-storage-${app}-uploads`;
  let root: string;
  const cli = (...args: string[]) => runBerthCli(args, { HOME: home, BERTH_URL: `http://127.0.0.1:${berth.apiPort}`, BERTH_TOKEN: berth.token }, 180_000);
  const call = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);
  const get = (p: string) => viaRouter(berth.routerPort, `${app}.localhost`, p, 10_000);

  before(async () => {
    berth = await startBerth();
    root = path.join(berth.dataDir, 'storage');
    home = await mkdtemp(path.join(os.tmpdir(), 'berth-storage-home-'));
  });
  after(async () => {
    await berth?.destroy();
    removeAppObjects([app]);
    for (const v of [volume]) if (volumeExists(v)) docker('volume', 'rm', '-f', v);
    await rm(home, { recursive: true, force: true });
  });

  test('paths out of the root, the Docker socket and system dirs are refused; a volume mounted before the first push is written by the non-root app', async () => {
    assert.equal((await call('POST', '/apps', { name: app })).status, 201);
    const made = await cli('storage:ensure-directory', dirName);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, new RegExp(`Made ${root}/${dirName} \\(owner uid 1000\\)`));
    assert.equal((await stat(path.join(root, dirName))).uid, 1000);
    await symlink('/etc', path.join(root, 'evil'));

    const refusals: [string, RegExp][] = [
      ['/var/run/docker.sock:/var/run/docker.sock', /the Docker socket \(\/var\/run\/docker.sock\) can never be mounted/],
      ['/:/app/root', /the host path \/ is outside Berth's storage root/],
      ['/etc:/app/etc', /the host path \/etc is outside Berth's storage root/],
      [`${root}/../../etc:/app/etc`, /contains "\." or "\.\."/],
      [`${root}/evil:/app/evil`, /leads to \/etc, outside Berth's storage root \(a symlink out of the root\)/],
      ['data:/', /mounting over \/ would hide files the container needs/],
      ['data:/proc/self', /mounting over \/proc would hide files/],
    ];
    for (const [spec, message] of refusals) {
      const r = await call('POST', `/apps/${app}/storage`, { mount: spec });
      assert.equal(r.status, 400, `${spec}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error.message, message, spec);
      assert.ok(r.body.error.hint, `${spec} has a hint`);
    }
    const socket = await cli('storage:mount', app, '/var/run/docker.sock:/app/docker.sock');
    assert.notEqual(socket.code, 0);
    assert.match(socket.stderr, /Docker socket .* can never be mounted/);
    assert.match(socket.stderr, new RegExp(`only a directory under ${root} can be mounted`));
    assert.deepEqual((await call('GET', `/apps/${app}/storage`)).body.mounts, [], 'nothing refused was stored');

    const mounted = await cli('storage:mount', app, 'uploads:/app/data');
    assert.equal(mounted.code, 0, mounted.stderr);
    assert.match(mounted.stderr, /has no release yet: the mount applies from its first deploy/);
    const labels = JSON.parse(docker('volume', 'inspect', volume))[0].Labels;
    assert.equal(labels['berth.app'], app);
    assert.equal(labels['berth.storage'], 'uploads');

    const repo = await mkdtemp(path.join(os.tmpdir(), 'berth-storage-app-'));
    await cp(path.join(ROOT, 'test/e2e/fixtures/storage-app'), repo, { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'storage app');
    const pushed = await push(repo, berth.remote(app));
    await rm(repo, { recursive: true, force: true });
    assert.equal(pushed.code, 0, pushed.output);
    assert.match(pushed.output, /Released v1/);
    const wrote = await get('/write?n=first');
    assert.equal(wrote.status, 200, wrote.body);
    assert.equal(wrote.body, 'wrote first as uid 1000 in v1\n');
  });

  test('a directory under the root mounts for web only, as a new release; info and list show it', async () => {
    const spec = `${root}/${dirName}:/app/shared`;
    const r = await cli('storage:mount', app, spec, '--process', 'web');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /done, v2/);
    const releases = (await call('GET', `/apps/${app}/releases`)).body.releases as { version: number; description: string }[];
    assert.equal(releases.find((x) => x.version === 2)?.description, `Mount ${spec} (web)`);
    const wrote = await get(`/write?n=on-host&dir=/app/shared`);
    assert.equal(wrote.status, 200, wrote.body);
    assert.equal((await stat(path.join(root, dirName, 'on-host'))).uid, 1000, 'the file is on the host, written by uid 1000');
    assert.equal(await readFile(path.join(root, dirName, 'on-host'), 'utf8'), 'v2');

    const info = await cli('apps:info', app);
    assert.match(info.stdout, new RegExp(`Storage:\\s+${spec} \\(web\\), uploads:/app/data\n`));
    const list = await cli('storage:list', app);
    assert.match(list.stdout, new RegExp(`uploads:/app/data\\s+volume\\s+all\\s+${volume}`));
    assert.match(list.stdout, new RegExp(`${spec}\\s+dir\\s+web`));
    assert.match(list.stdout, /Deploy strategy: start-first/);
  });

  test('a redeploy under a client loop writing a file per request fails none and loses none; berth run sees them', async () => {
    const written: string[] = [];
    const failures: string[] = [];
    const served = new Set<string>();
    let stop = false;
    let n = 0;
    const loop = (async () => {
      while (!stop) {
        const name = `f${++n}`;
        try {
          const r = await get(`/write?n=${name}`);
          if (r.status === 200) { written.push(name); served.add(r.body.split(' in ')[1]!.trim()); } else failures.push(`${name}: ${r.status} ${r.body}`);
        } catch (err) {
          failures.push(`${name}: ${(err as Error).message}`);
        }
        await sleep(LOOP_PAUSE_MS);
      }
    })();
    await sleep(500);
    const changed = await call('PUT', `/apps/${app}/config`, { vars: { REDEPLOY: '1' } });
    // Through the drain and stop of the old process.
    await sleep(3000);
    stop = true;
    await loop;
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.release.version, 3);
    assert.deepEqual(failures, [], `failed requests during the redeploy\n${berth.output()}`);
    assert.deepEqual([...served].sort(), ['v2', 'v3'], 'both releases wrote to the same volume');
    const listed = (await get('/list')).body.split('\n').filter(Boolean);
    for (const name of ['first', ...written]) assert.ok(listed.includes(name), `${name} is still there after the redeploy`);

    const run = await cli('run', app, '--', 'ls', '/app/data', '/app/shared');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\bfirst\b/);
    assert.match(run.stdout, new RegExp(`\\b${written.at(-1)}\\b`));
    assert.match(run.stdout, /\bon-host\b/);
  });

  test('a storage directory swapped for a symlink out of the root is refused when the next container is made', async () => {
    const dir = path.join(root, dirName);
    await rename(dir, `${dir}-real`);
    await symlink('/etc', dir);
    try {
      const run = await cli('run', app, '--', 'true');
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, new RegExp(`${dir} leads to /etc, outside Berth's storage root`));
    } finally {
      await rm(dir);
      await rename(`${dir}-real`, dir);
    }
  });

  test('stop-first is opt-in per app: the old process stops before the new one starts, and starts again if the new one cannot boot', async () => {
    const set = await cli('storage:strategy', app, 'stop-first');
    assert.equal(set.code, 0, set.stderr);
    const changed = await call('PUT', `/apps/${app}/config`, { vars: { REDEPLOY: '2' } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const log = (changed.body.log as string[]).join('\n');
    // v3's process, and v2's too while it still stands by from v3's watch after go-live (60 s).
    assert.ok(/Stopping [12] old process\(es\) first/.test(log) && log.indexOf('Stopping') < log.indexOf('Launching v4'), log);
    const after = await get('/list');
    assert.equal(after.status, 200);
    assert.match(after.body, /^first$/m);

    // A stop-first release that cannot boot: the stopped old process is started again and serves.
    const broken = await call('PUT', `/apps/${app}/config`, { vars: { CRASH_ON_BOOT: '1' } });
    assert.equal(broken.status, 422, JSON.stringify(broken.body));
    let back = await get('/').catch(() => undefined);
    for (let i = 0; i < 60 && back?.status !== 200; i++) {
      await sleep(500);
      back = await get('/').catch(() => undefined);
    }
    assert.equal(back?.body, 'ok v4\n', `the old release serves again\n${berth.output()}`);
  });

  test('apps:destroy keeps the storage volume and says so; --purge-storage removes it', async () => {
    const destroyed = await cli('apps:destroy', app, '--confirm', app);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.match(destroyed.stdout, new RegExp(`Kept its storage volume: ${volume}\\n`));
    assert.match(destroyed.stdout, new RegExp(`Remove with: docker volume rm ${volume} \\(or destroy with --purge-storage\\)`));
    assert.ok(volumeExists(volume), 'the volume is kept');
    assert.equal(docker('volume', 'ls', '-q', '--filter', `label=berth.app=${app}`), volume, 'only the storage volume is left (the build cache went)');
    assert.ok((await stat(path.join(root, dirName))).isDirectory(), 'the storage directory is kept');

    // The same name again finds its data.
    assert.equal((await call('POST', '/apps', { name: app })).status, 201);
    assert.equal((await call('POST', `/apps/${app}/storage`, { mount: 'uploads:/app/data' })).status, 201);
    const files = docker('run', '--rm', '--network', 'none', '-v', `${volume}:/v:ro`, 'berth/stack:bookworm', 'ls', '/v');
    assert.match(files, /^first$/m);

    const purged = await cli('apps:destroy', app, '--confirm', app, '--purge-storage');
    assert.equal(purged.code, 0, purged.stderr);
    assert.match(purged.stdout, new RegExp(`Destroyed ${app} and its storage volumes`));
    assert.ok(!volumeExists(volume), 'the volume is gone');
  });
});
