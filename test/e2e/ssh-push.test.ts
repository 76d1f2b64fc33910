// git push over SSH end to end, with OpenSSH's own client: a registered key
// deploys (live remote: output, rejection on a failed build), and an
// unknown key, a deploy key pushing another app, a removed key, a shell,
// a command, a PTY and port forwarding are each refused. Last, the
// failed-sign-in limit locks SSH out too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, git, push, sampleRepo } from '../helpers/git.js';
import { api } from '../helpers/api.js';
import { removeAppObjects } from '../helpers/docker.js';

const appName = () => `t-${randomBytes(4).toString('hex')}`;
const FAIL_LIMIT = 10;

describe('git push over SSH', () => {
  let berth: Berth;
  let dir: string;
  let repo: string;
  const app = appName();
  const other = appName();
  const broken = appName();
  const apps = [app, other, broken];
  const admin = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);
  const keyFile = (name: string) => path.join(dir, name);
  const sshArgs = (key: string) => ['-i', keyFile(key), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
    '-o', 'StrictHostKeyChecking=accept-new', '-o', 'LogLevel=ERROR', '-p', String(berth.sshPort)];
  const sshCommand = (key: string) => ['ssh', ...sshArgs(key)].join(' ');
  const sshRemote = (a: string) => `ssh://git@127.0.0.1:${berth.sshPort}/${a}.git`;
  const pushAs = (key: string, remote: string, r = repo) => {
    process.env.GIT_SSH_COMMAND = sshCommand(key);
    return push(r, remote).finally(() => { delete process.env.GIT_SSH_COMMAND; });
  };
  const ssh = (key: string, ...args: string[]) =>
    spawnSync('ssh', [...sshArgs(key), ...args], { encoding: 'utf8', input: '', timeout: 20_000 });
  const makeKey = (name: string, type = 'ed25519') => {
    execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', `${name}@test`, '-f', keyFile(name)]);
    return readFile(`${keyFile(name)}.pub`, 'utf8');
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-ssh-test-'));
    berth = await startBerth({ BERTH_AUTH_FAIL_LIMIT: String(FAIL_LIMIT) });
    repo = await sampleRepo('dockerfile-hello');
    assert.equal((await admin('POST', '/users', { name: 'alice', role: 'admin' })).status, 201);
    assert.equal((await admin('POST', '/users', { name: 'bob', role: 'deploy', apps: app })).status, 201);
    for (const [user, key, type] of [['alice', 'alice', 'ed25519'], ['bob', 'bob', 'rsa'], ['alice', 'alice2', 'ed25519']] as const) {
      const added = await admin('POST', '/keys', { user, publicKey: await makeKey(key, type) });
      assert.equal(added.status, 201, JSON.stringify(added.body));
    }
    await makeKey('stranger');
  });
  after(async () => {
    await berth?.destroy();
    removeAppObjects(apps);
    await rm(dir, { recursive: true, force: true });
  });

  test('the host key is made once in the data dir; its fingerprint is the one ssh-keygen prints and the client sees', async () => {
    const pub = path.join(berth.dataDir, 'ssh_host_ed25519_key.pub');
    const printed = execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' });
    const fp = /SHA256:\S+/.exec(printed)?.[0];
    assert.ok(fp && berth.output().includes(`host key ${fp}`), berth.output());
    const scanned = execFileSync('ssh-keyscan', ['-p', String(berth.sshPort), '-t', 'ed25519', '127.0.0.1'], { encoding: 'utf8' });
    assert.ok(scanned.includes((await readFile(pub, 'utf8')).split(' ')[1]!));
  });

  test('a registered key (a deploy user\'s RSA key) pushes its app: live remote: output, the app deploys', async () => {
    const res = await pushAs('bob', sshRemote(app));
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /remote: -----> Building t-/);
    assert.match(res.output, /remote: -----> Released v1/);
    const ev = (await admin('GET', `/events?app=${app}`)).body.events.find((e: { action: string }) => e.action === 'git:push');
    assert.deepEqual([ev.user, ev.via, ev.result, ev.source], ['bob', 'ssh', 'ok', '127.0.0.1']);
  });

  test('the git@host:app form works (fetch with an admin\'s key)', async () => {
    process.env.GIT_SSH_COMMAND = sshCommand('alice');
    try {
      const refs = git(repo, 'ls-remote', `git@127.0.0.1:${app}`);
      assert.match(refs, /refs\/heads\/main/);
    } finally { delete process.env.GIT_SSH_COMMAND; }
  });

  test('a failed build rejects the push over SSH, as over HTTP', async () => {
    const bad = await sampleRepo('dockerfile-hello');
    await commitFile(bad, 'Dockerfile', 'FROM berth/stack:bookworm\nRUN echo about to fail && exit 3\n');
    const res = await pushAs('alice', sshRemote(broken), bad);
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /remote:  !     /);
    assert.match(res.output, /\[remote rejected\] main -> main \(pre-receive hook declined\)/);
  });

  test('a deploy user\'s key cannot push another app', async () => {
    const res = await pushAs('bob', sshRemote(other));
    assert.notEqual(res.code, 0);
    assert.match(res.output, /berth: key "bob@test" may not push app "t-/);
    assert.equal((await admin('GET', `/apps/${other}`)).status, 404, 'no app was created');
  });

  test('an unknown key is refused', async () => {
    const res = await pushAs('stranger', sshRemote(app));
    assert.notEqual(res.code, 0);
    assert.match(res.output, /Permission denied \(publickey\)/);
  });

  test('a shell, a PTY, a command other than git, and port forwarding are refused with one line', () => {
    const shell = ssh('alice', 'git@127.0.0.1');
    assert.equal(shell.status, 1);
    assert.match(shell.stderr, /^berth: there is no shell here/m);
    const pty = ssh('alice', '-tt', 'git@127.0.0.1');
    assert.notEqual(pty.status, 0);
    assert.match(pty.stderr + pty.stdout, /PTY allocation request failed|no shell here/);
    const cmd = ssh('alice', 'git@127.0.0.1', 'cat /etc/passwd');
    assert.equal(cmd.status, 1);
    assert.equal(cmd.stdout, '');
    assert.match(cmd.stderr, /^berth: "cat \/etc\/passwd" is not allowed here/m);
    const sneaky = ssh('alice', 'git@127.0.0.1', `git-upload-pack '../../etc'`);
    assert.equal(sneaky.status, 1);
    assert.match(sneaky.stderr, /invalid app name/);
    const forward = ssh('alice', '-W', `127.0.0.1:${berth.apiPort}`, 'git@127.0.0.1');
    assert.notEqual(forward.status, 0);
    assert.match(forward.stderr, /open failed|administratively prohibited|forwarding failed/);
  });

  test('a removed key, and the keys of a removed user, fail at once', async () => {
    process.env.GIT_SSH_COMMAND = sshCommand('alice2');
    try { assert.match(git(repo, 'ls-remote', sshRemote(app)), /refs\/heads\/main/); } finally { delete process.env.GIT_SSH_COMMAND; }
    const keys = (await admin('GET', '/keys?user=alice')).body.keys as { fingerprint: string; comment: string }[];
    const fp = keys.find((k) => k.comment === 'alice2@test')!.fingerprint;
    assert.equal((await admin('DELETE', `/keys/${encodeURIComponent(fp)}`)).status, 200);
    const res = await pushAs('alice2', sshRemote(app));
    assert.notEqual(res.code, 0);
    assert.match(res.output, /Permission denied \(publickey\)/);
    assert.equal((await admin('DELETE', '/users/bob')).status, 200);
    const bob = await pushAs('bob', sshRemote(app));
    assert.match(bob.output, /Permission denied \(publickey\)/);
  });

  // Last: it locks 127.0.0.1 out for the rest of the window.
  test('unknown keys count as failed sign-ins: past the limit even a good key is refused', async () => {
    for (let i = 0; i < FAIL_LIMIT; i++) ssh('stranger', 'git@127.0.0.1', `git-upload-pack '${app}'`);
    const good = ssh('alice', 'git@127.0.0.1', `git-upload-pack '${app}'`);
    assert.notEqual(good.status, 0);
    assert.match(good.stderr, /Permission denied/);
    const failed = (await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1/apps`, { headers: { authorization: `Bearer ${berth.token}` } })).status;
    assert.equal(failed, 429, 'the same address is locked out of the API too');
  });
});
