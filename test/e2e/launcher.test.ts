// How process containers start, end to end with real git pushes: PID 1's
// arguments do not carry the Procfile command (shared/launcher.ts), so
// Dokku's nodejs-worker check (`pgrep -f "node worker.js" | wc -l` is 1)
// holds; and a web process gets SIGTERM itself during a redeploy, so a slow
// request in flight on the old release finishes with 200.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBerth, ROOT, type Berth } from '../helpers/berth.js';
import { commitFile, git, push } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { removeAppObjects } from '../helpers/docker.js';

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const containerOf = (app: string, type: string) =>
  docker('ps', '-q', '--filter', `label=berth.app=${app}`, '--filter', `label=berth.process=${type}`).split('\n').filter(Boolean);
/** Every process's arguments in the container, as `pgrep -f` sees them (the run stack has no procps; docker top asks the host's ps). */
const processArgs = (id: string) => docker('top', id, '-eo', 'pid,args').split('\n').slice(1).map((l) => l.trim().replace(/^\d+\s+/, ''));

describe('launcher: no command in PID 1, SIGTERM reaches the app', () => {
  let berth: Berth;
  let repo: string;
  const app = `t-${randomBytes(4).toString('hex')}`;

  before(async () => {
    // A slow request must outlive a whole redeploy's build here, beyond the router's default 30 s.
    berth = await startBerth({ BERTH_ROUTER_TIMEOUT_SEC: '180' });
    repo = await mkdtemp(path.join(os.tmpdir(), 'berth-launch-'));
    await cp(path.join(ROOT, 'test/e2e/fixtures/node-worker'), repo, { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'initial');
  });
  after(async () => {
    await berth?.destroy();
    removeAppObjects([app]);
    execFileSync('docker', ['volume', 'rm', '-f', `berth-cache-${app}`], { stdio: 'ignore' });
    await rm(repo, { recursive: true, force: true });
  });

  test("Dokku's nodejs-worker check: one process matches `node worker.js`, and PID 1 carries no command", async () => {
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
    const [worker] = containerOf(app, 'worker');
    assert.ok(worker, 'the worker runs');
    const args = processArgs(worker);
    assert.equal(args.filter((a) => a.includes('node worker.js')).length, 1, args.join('\n'));
    assert.ok(args.includes('node worker.js'), `the app's own process is node itself: ${args.join(' | ')}`);
    assert.match(args[0]!, /berth-start worker$/, 'PID 1 names the process type, not its command');
    assert.doesNotMatch(docker('exec', worker, 'cat', '/proc/1/cmdline'), /node worker\.js/);
    const [web] = containerOf(app, 'web');
    assert.ok(web, 'the web process runs');
    assert.doesNotMatch(processArgs(web)[0]!, /node web\.js/);
    // docker top gives host pids: the app's environment does not keep the launcher's variable.
    const nodePid = docker('top', worker, '-eo', 'pid,args').split('\n').find((l) => l.trim().endsWith('node worker.js'))!.trim().split(/\s+/)[0]!;
    const environ = execFileSync('cat', [`/proc/${nodePid}/environ`], { encoding: 'utf8' });
    assert.match(environ, /DYNO=worker\.1/);
    assert.doesNotMatch(environ, /BERTH_PROCESS_COMMAND/);
  });

  test('a redeploy: the old web process gets SIGTERM and finishes its in-flight request with 200', async () => {
    const slow = viaRouter(berth.routerPort, `${app}.localhost`, '/slow', 170_000);
    // The request is in flight on v1 before the redeploy starts.
    await new Promise((r) => setTimeout(r, 500));
    await commitFile(repo, 'message.txt', 'v2\n');
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
    const reply = await slow;
    assert.equal(reply.status, 200, reply.body);
    assert.equal(reply.body, 'slow request finished after SIGTERM by v1\n');
    assert.equal((await viaRouter(berth.routerPort, `${app}.localhost`)).body, 'web v2\n');
  });
});
