// A full disk during a build (issue 13, item 3). The builds' working space
// (<data dir>/builds, where a push is unpacked) is a 6 MB tmpfs here, and the
// push carries a 4 MB file: its tar fits, unpacking it does not. The build
// must fail with a clear "disk is full" message and a fix, nothing stored
// may be lost (releases, config, the running release), no build files may
// be left behind, apps keep serving (client loops count 0 failures), and
// the next push that fits deploys.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startBerth, type Berth } from '../helpers/berth.js';
import { git, push } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { api } from '../helpers/api.js';
import { removeAppObjects } from '../helpers/docker.js';
import { clientLoop, DOMAIN, fixtureRepo } from './bad-apps-helpers.js';

const name = (kind: string) => `disk-${kind}-${randomBytes(3).toString('hex')}`;

describe('a full disk during a build', { timeout: 600_000 }, () => {
  let berth: Berth;
  let buildsDir = '';
  let mounted = false;
  const D = name('d');
  const OTHER = name('other');
  let repo = '';
  const state = async (app: string) => {
    const releases = (await api(berth.apiPort, berth.token, 'GET', `/apps/${app}/releases`)).body;
    const config = (await api(berth.apiPort, berth.token, 'GET', `/apps/${app}/config`)).body;
    return { releases, config };
  };

  before(async () => {
    berth = await startBerth({ BERTH_DOMAIN: DOMAIN });
    repo = await fixtureRepo('serve');
    const [a, b] = await Promise.all([push(repo, berth.remote(D)), push(await fixtureRepo('serve'), berth.remote(OTHER))]);
    assert.equal(a.code, 0, a.output);
    assert.equal(b.code, 0, b.output);
    const set = await api(berth.apiPort, berth.token, 'PUT', `/apps/${D}/config`, { vars: { KEEP_ME: 'still here' }, restart: false });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    // The builds' working space becomes a small disk of its own. Nothing is in it between pushes.
    buildsDir = path.join(berth.dataDir, 'builds');
    await mkdir(buildsDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'berth-test-full-disk', buildsDir]);
    mounted = true;
  });

  after(async () => {
    if (mounted) execFileSync('umount', ['-l', buildsDir]);
    await berth?.destroy();
    removeAppObjects([D, OTHER]);
  });

  test('the build fails saying the disk is full; nothing stored is lost; apps keep serving; the next push deploys', async () => {
    const loops = [clientLoop(berth, D, /^ok v\d+/), clientLoop(berth, OTHER, /^ok v1/)];
    try {
      const before = await state(D);
      await writeFile(path.join(repo, 'big.bin'), randomBytes(4 << 20));
      git(repo, 'add', 'big.bin');
      git(repo, 'commit', '-qm', 'a file the disk has no room to unpack');
      const res = await push(repo, berth.remote(D));
      assert.notEqual(res.code, 0, res.output);
      assert.match(res.output, /! {5}the disk is full: the build ran out of space \(tar: big\.bin: .+\)/, res.output);
      assert.match(res.output, new RegExp(`its working space ${buildsDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has \\d+ MB free of 6 MB`));
      assert.match(res.output, /! {5}free space on the Berth host, then push again: see df -h /);
      assert.match(res.output, /Deploy failed \(disk_full\); the previous release keeps serving \(v\d+\)/);
      assert.doesNotMatch(res.output, /internal error/);

      assert.deepEqual(await state(D), before, 'releases and config are as they were');
      assert.deepEqual(await readdir(buildsDir), [], 'the failed build left nothing in its working space');
      const served = await viaRouter(berth.routerPort, `${D}.${DOMAIN}`);
      assert.equal(served.status, 200);

      // A tree too big even to store (its tar does not fit): said so at the door, not "internal error".
      await writeFile(path.join(repo, 'big.bin'), randomBytes(8 << 20));
      git(repo, 'commit', '-qam', 'a file the disk has no room to store');
      const stored = await push(repo, berth.remote(D));
      assert.notEqual(stored.code, 0, stored.output);
      assert.match(stored.output, /! {5}the disk is full: storing the pushed tree ran out of space/, stored.output);
      assert.match(stored.output, /! {5}free space on the Berth host, then push again/);
      assert.doesNotMatch(stored.output, /internal error/);
      assert.deepEqual(await state(D), before, 'releases and config are as they were');
      assert.deepEqual(await readdir(buildsDir), [], 'the refused push left nothing in the working space');

      // Space freed (the big file gone from the push): the next push deploys on the same small disk.
      await rm(path.join(repo, 'big.bin'));
      git(repo, 'commit', '-qam', 'without the big file');
      const again = await push(repo, berth.remote(D));
      assert.equal(again.code, 0, again.output);
      assert.match(again.output, /Released v\d+/);
    } finally {
      for (const loop of loops) {
        const tally = await loop.stop();
        assert.equal(tally.failed, 0, `failed requests: ${tally.lastFailure}`);
        assert.ok(tally.ok > 0);
      }
    }
  });
});
