// Strict input on the pushed tree: an over-long or malformed Procfile and
// symlinks that leave the repo fail the push with a ` !     ` line that says
// why, before any release is made, for Dockerfile and buildpack builds
// alike; symlinks that stay inside keep working.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { git, push, sampleRepo } from '../helpers/git.js';
import { labelledContainers, removeAppObjects } from '../helpers/docker.js';
import { api } from '../helpers/api.js';

const appName = () => `t-${randomBytes(4).toString('hex')}`;

describe('build input strictness', () => {
  let berth: Berth;
  const apps: string[] = [];
  const releases = async (app: string) =>
    ((await api(berth.apiPort, berth.token, 'GET', `/apps/${app}/releases`)).body?.releases ?? []).map((r: { version: number }) => r.version);

  /** Files (content) and symlinks (`-> target`) committed on top of the repo's state. */
  async function commit(repo: string, files: Record<string, string | { link: string }>) {
    for (const [name, spec] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(repo, name)), { recursive: true });
      if (typeof spec === 'string') await writeFile(path.join(repo, name), spec);
      else await symlink(spec.link, path.join(repo, name));
    }
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', `change ${Object.keys(files).join(' ')}`);
  }

  /** Pushes `files` on top of `good`, expects the push refused with `message`, and nothing deployed. */
  async function refused(app: string, repo: string, good: string, files: Record<string, string | { link: string }>, message: RegExp) {
    git(repo, 'reset', '-q', '--hard', good);
    const before = { releases: await releases(app), containers: labelledContainers(app, false).sort() };
    await commit(repo, files);
    // Forced, so each case stands alone even where an old Berth took the last one.
    const res = await push(repo, berth.remote(app), 'main', '--force');
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, message);
    assert.doesNotMatch(res.output, /internal error|Created release/);
    assert.deepEqual({ releases: await releases(app), containers: labelledContainers(app, false).sort() }, before);
    return res.output;
  }

  before(async () => {
    berth = await startBerth({ BERTH_BUILD_MEMORY_MB: '512', BERTH_BUILD_CONCURRENCY: '1' });
  });
  after(async () => {
    await berth?.destroy();
    removeAppObjects(apps);
  });

  describe('a Dockerfile app', () => {
    const app = appName();
    let repo: string;
    let good: string;
    before(async () => {
      apps.push(app);
      repo = await sampleRepo('dockerfile-hello');
      // Links that stay inside the repo, also through a link to a directory.
      await commit(repo, {
        'link.txt': { link: 'message.txt' }, 'sub/back.txt': { link: '../message.txt' },
        'sub/root': { link: '..' }, 'sub/via-root.txt': { link: 'root/sub/back.txt' }, 'dangling': { link: 'not-there/x' },
        Procfile: '# a comment\n\nweb: python3 /app/server.py\r\nworker_2-b:sleep infinity\n',
      });
      good = git(repo, 'rev-parse', 'HEAD').trim();
      const res = await push(repo, berth.remote(app));
      assert.equal(res.code, 0, res.output);
      assert.match(res.output, /worker_2-b: sleep infinity/);
      for (let i = 0; i < 100 && labelledContainers(app, false).length !== 1; i++) await sleep(100);
    });

    test('a Procfile command over 8 KiB is refused before any release, with the limit and a fix', async () => {
      const out = await refused(app, repo, good, { Procfile: `web: echo ${'x'.repeat(200 * 1024)}\n` },
        / ! {5}Procfile line 1: the command of "web" is 201 KiB, more than the limit of 8 KiB per command/);
      assert.match(out, / ! {5}move the long command into a script in the repo/);
      assert.ok(out.length < 20_000, `the command is not echoed (${out.length} bytes of output)`);
    });

    test('a Procfile over 64 KiB or with too many process types is refused', async () => {
      await refused(app, repo, good, { Procfile: `web: python3 /app/server.py\n${'# padding\n'.repeat(7000)}` },
        / ! {5}the Procfile is 69 KiB, more than the limit of 64 KiB/);
      const many = Array.from({ length: 51 }, (_, i) => `p${i}: sleep infinity`).join('\n');
      await refused(app, repo, good, { Procfile: many }, / ! {5}Procfile line 51: more than 50 process types/);
    });

    test('malformed Procfile lines are refused with the line number', async () => {
      await refused(app, repo, good, { Procfile: '# web\n\nweb python3 /app/server.py\n' }, / ! {5}Procfile line 3 is not "type: command"/);
      await refused(app, repo, good, { Procfile: 'web: python3 /app/server.py\n__proto__: sleep 1\n' }, / ! {5}Procfile line 2: "__proto__" cannot be a process type name/);
    });

    test('an absolute symlink fails the build as the user\'s error, naming the file', async () => {
      const out = await refused(app, repo, good, { 'conf/etc': { link: '/etc' } },
        / ! {5}the symlink conf\/etc points to "\/etc", an absolute path/);
      assert.match(out, / ! {5}symlinks must stay inside the repository/);
    });

    test('symlinks that climb out of the repo fail the build, also through another link', async () => {
      await refused(app, repo, good, { 'a/b/up': { link: '../../../outside' } }, / ! {5}the symlink a\/b\/up points to "..\/..\/..\/outside", outside the repository/);
      // Each hop alone stays inside; followed as the kernel does, `here/..` leaves.
      await refused(app, repo, good, { here: { link: '.' }, 'z-out': { link: 'here/..' } }, / ! {5}the symlink z-out points to "here\/..", outside the repository/);
      await refused(app, repo, good, { loop1: { link: 'loop2' }, loop2: { link: 'loop1' } }, / ! {5}the symlink loop1 points to "loop2", a loop of symlinks/);
    });
  });

  describe('a buildpack app', () => {
    test('a Procfile linked to a host file is refused without reading it', async () => {
      const app = appName(); apps.push(app);
      const repo = await sampleRepo('procfile-worker');
      git(repo, 'rm', '-q', 'Procfile');
      await commit(repo, { Procfile: { link: '/etc/os-release' } });
      const res = await push(repo, berth.remote(app));
      assert.notEqual(res.code, 0, res.output);
      assert.match(res.output, / ! {5}the symlink Procfile points to "\/etc\/os-release", an absolute path/);
      assert.doesNotMatch(res.output, /PRETTY_NAME|Debian/);
      assert.deepEqual(await releases(app), []);
    });

    test('a source link that escapes is refused; links inside the repo build and run', async () => {
      const app = appName(); apps.push(app);
      const repo = await sampleRepo('procfile-worker');
      const base = git(repo, 'rev-parse', 'HEAD').trim();
      await refused(app, repo, base, { 'lib/secret': { link: '../../../../root' } }, / ! {5}the symlink lib\/secret points to "..\/..\/..\/..\/root", outside the repository/);
      git(repo, 'reset', '-q', '--hard', base);
      await mkdir(path.join(repo, 'config'));
      await rename(path.join(repo, 'Procfile'), path.join(repo, 'config', 'Procfile'));
      await commit(repo, { Procfile: { link: 'config/Procfile' }, 'bin/web.py': { link: '../web.py' } });
      const res = await push(repo, berth.remote(app));
      assert.equal(res.code, 0, res.output);
      assert.match(res.output, /Procfile declares types -> web, worker/);
      assert.deepEqual(await releases(app), [1]);
    });
  });
});
