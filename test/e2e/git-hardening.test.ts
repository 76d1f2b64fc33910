// The git endpoints under hostile and broken input (issue 9): bodies that
// are not what their Content-Encoding says, garbage and stalled pushes,
// wrong media types, probes of unknown apps. Each must get a clear answer
// within the git deadline, create nothing, and leave the server up (same
// pid, no error caught by the last-resort guard). One server for the file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import zlib from 'node:zlib';
import { startBerth, ROOT, type Berth } from '../helpers/berth.js';
import { api } from '../helpers/api.js';
import { git, push, sampleRepo } from '../helpers/git.js';
import { basic, pkt, pushBody, rawRequest, type RawOutcome, type RawReply } from '../helpers/git-http.js';

const appName = () => `t-${randomBytes(4).toString('hex')}`;
const TIMEOUT_SEC = 2;

function replied(o: RawOutcome): RawReply {
  assert.ok('status' in o, `expected an answer, got ${JSON.stringify(o)}`);
  return o;
}

describe('git endpoints under hostile input', () => {
  let berth: Berth;
  let pid: number | undefined;
  let known: string;
  let repo: string;
  const auth = () => ({ authorization: basic(berth.token) });
  const post = (app: string, body: Buffer | string, headers: Record<string, string> = {}, service = 'receive-pack') =>
    rawRequest(berth.apiPort, { path: `/${app}.git/git-${service}`, body, headers: { ...auth(), 'content-type': `application/x-git-${service}-request`, ...headers } });
  const health = async () => (await fetch(`http://127.0.0.1:${berth.apiPort}/healthz`)).json() as Promise<{ ok: boolean; uncaught: number }>;
  const appExists = async (app: string) => (await api(berth.apiPort, berth.token, 'GET', `/apps/${app}`)).status === 200;
  const repoDirs = () => readdirSync(path.join(berth.dataDir, 'repos'));
  const incoming = () => (existsSync(path.join(berth.dataDir, 'git-incoming')) ? readdirSync(path.join(berth.dataDir, 'git-incoming')) : []);
  const gitProcs = () => {
    const r = spawnSync('pgrep', ['-f', `stateless-rpc ${berth.dataDir}`], { encoding: 'utf8' });
    assert.ok(r.status === 0 || r.status === 1, `pgrep: ${r.stderr}`);
    return r.stdout.trim();
  };

  before(async () => {
    berth = await startBerth({ BERTH_GIT_RECEIVE_TIMEOUT_SEC: String(TIMEOUT_SEC) });
    pid = berth.pid();
    // An existing app, with a repo from a push of a branch that does not deploy.
    known = appName();
    assert.equal((await api(berth.apiPort, berth.token, 'POST', '/apps', { name: known })).status, 201);
    repo = await sampleRepo('dockerfile-hello');
    const res = await push(repo, berth.remote(known), 'main:side');
    assert.equal(res.code, 0, res.output);
  });
  after(async () => { await berth?.destroy(); });

  test('a body that is not what its Content-Encoding says gets a 400, and the server lives on', async () => {
    for (const encoding of ['gzip', 'deflate', 'x-gzip']) {
      const r = replied(await post(known, 'this is not compressed at all', { 'content-encoding': encoding }));
      assert.equal(r.status, 400, `${encoding}: ${r.body}`);
      assert.match(r.body.toString(), new RegExp(`not valid ${encoding}`));
    }
    // Valid gzip around garbage, and a body cut off mid-stream.
    const cut = zlib.gzipSync(randomBytes(5000)).subarray(0, 100);
    assert.equal(replied(await post(known, cut, { 'content-encoding': 'gzip' })).status, 400);
    const h = await health();
    assert.equal(h.ok, true);
    assert.equal(berth.pid(), pid, 'the same server process');
    assert.equal(h.uncaught, 0, `the last-resort guard caught nothing:\n${berth.output()}`);
  });

  test('an encoding Berth cannot decode gets a 415', async () => {
    const r = replied(await post(known, 'x', { 'content-encoding': 'br' }));
    assert.equal(r.status, 415);
    assert.match(r.body.toString(), /Content-Encoding "br" is not supported/);
  });

  test('gzip and deflate bodies are decoded: an encoded push lands', async () => {
    for (const [encoding, encode] of [['gzip', zlib.gzipSync], ['deflate', zlib.deflateSync]] as const) {
      const ref = `refs/heads/enc-${encoding}`;
      const { body, rev } = pushBody(repo, ref);
      const r = replied(await post(known, encode(body), { 'content-encoding': encoding }));
      assert.equal(r.status, 200, r.body.toString());
      assert.match(r.body.toString('latin1'), new RegExp(`ok ${ref}`));
      const got = execFileSync('git', ['--git-dir', path.join(berth.dataDir, 'repos', `${known}.git`), 'rev-parse', ref], { encoding: 'utf8' }).trim();
      assert.equal(got, rev);
    }
  });

  test('real git: a push over 1 MB (probe + chunked body) and a clone work', async () => {
    for (let i = 0; i < 3; i++) await writeFile(path.join(repo, `random-${i}.bin`), randomBytes(500_000));
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'random files');
    const res = await push(repo, berth.remote(known), 'HEAD:big');
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /refs\/heads\/big accepted without deploying/);
    const dest = path.join(repo, '..', `${path.basename(repo)}-clone`);
    execFileSync('git', ['clone', '-q', '--branch', 'big', berth.remote(known), dest]);
    assert.ok(existsSync(path.join(dest, 'random-2.bin')));
    execFileSync('rm', ['-rf', dest]);
  });

  test('garbage on git-receive-pack gets a 4xx at once', async () => {
    const bodies: [string, Buffer | string][] = [
      ['random bytes', randomBytes(4096)], ['plain text', 'hello, I am not git\n'], ['an empty body', ''],
      ['a flush then junk', Buffer.concat([Buffer.from('0000'), randomBytes(100)])], ['a bad command', Buffer.concat([pkt('not a command'), Buffer.from('0000')])],
      ['a ref outside heads and tags', Buffer.concat([pkt(`${'0'.repeat(40)} ${'a'.repeat(40)} refs/meta/x\0report-status`), Buffer.from('0000')])],
    ];
    for (const [what, body] of bodies) {
      const r = replied(await post(known, body));
      assert.ok(r.status >= 400 && r.status < 500, `${what}: ${r.status} ${r.body}`);
      assert.ok(r.ms < 1500, `${what} answered in ${r.ms} ms`);
      assert.match(r.body.toString(), /berth: /, what);
    }
    // The same for a fetch.
    const r = replied(await post(known, randomBytes(1000), {}, 'upload-pack'));
    assert.equal(r.status, 400);
  });

  test('a push that stalls is cut off at the deadline and its git process killed', async () => {
    const { body } = pushBody(repo, 'refs/heads/stalled');
    // Commands and half the pack, then silence.
    const stalled = await rawRequest(berth.apiPort, {
      path: `/${known}.git/git-receive-pack`, timeoutMs: (TIMEOUT_SEC + 5) * 1000,
      headers: { ...auth(), 'content-type': 'application/x-git-receive-pack-request', 'transfer-encoding': 'chunked' },
      body: (req) => { req.write(body.subarray(0, Math.floor(body.length / 2))); },
    });
    assert.ok(!('timeout' in stalled), `the server answered or closed: ${JSON.stringify(stalled)}`);
    assert.ok(stalled.ms >= TIMEOUT_SEC * 1000 - 200 && stalled.ms < (TIMEOUT_SEC + 3) * 1000, `cut off after ${stalled.ms} ms`);
    if ('status' in stalled) assert.equal(stalled.status, 408);
    for (let i = 0; i < 20 && gitProcs(); i++) await sleep(100);
    assert.equal(gitProcs(), '', 'no git receive-pack left running');
    // A push that never sends its commands at all.
    const silent = await rawRequest(berth.apiPort, {
      path: `/${known}.git/git-receive-pack`, timeoutMs: (TIMEOUT_SEC + 5) * 1000,
      headers: { ...auth(), 'content-type': 'application/x-git-receive-pack-request', 'transfer-encoding': 'chunked' },
      body: (req) => { req.write('00b0'); },
    });
    const r = replied(silent);
    assert.equal(r.status, 408);
    assert.match(r.body.toString(), /no git commands arrived within 2 s/);
  });

  test('a client that goes away mid-push has its git process killed at once, not at the deadline', async () => {
    const { body } = pushBody(repo, 'refs/heads/aborted');
    let client: import('node:http').ClientRequest | undefined;
    const outcome = rawRequest(berth.apiPort, {
      path: `/${known}.git/git-receive-pack`, timeoutMs: 10_000,
      headers: { ...auth(), 'content-type': 'application/x-git-receive-pack-request', 'transfer-encoding': 'chunked' },
      body: (req) => { client = req; req.write(body.subarray(0, Math.floor(body.length / 2))); },
    });
    for (let i = 0; i < 100 && !gitProcs(); i++) await sleep(20);
    assert.notEqual(gitProcs(), '', 'git was receiving');
    client!.destroy();
    assert.ok('closed' in (await outcome));
    const since = Date.now();
    while (gitProcs() && Date.now() - since < 3000) await sleep(50);
    assert.equal(gitProcs(), '');
    assert.ok(Date.now() - since < TIMEOUT_SEC * 1000 - 500, `git gone ${Date.now() - since} ms after the client left`);
  });

  test('media types and the service parameter are checked', async () => {
    const wrong = replied(await post(known, 'x', { 'content-type': 'text/plain' }));
    assert.equal(wrong.status, 415);
    assert.match(wrong.body.toString(), /Content-Type must be application\/x-git-receive-pack-request, not "text\/plain"/);
    assert.equal(replied(await post(known, 'x', { 'content-type': 'application/x-git-receive-pack-request' }, 'upload-pack')).status, 415);
    const noType = replied(await rawRequest(berth.apiPort, { path: `/${known}.git/git-receive-pack`, body: 'x', headers: auth() }));
    assert.equal(noType.status, 415);
    for (const q of ['', '?service=', '?service=git-annex', '?service=receive-pack']) {
      const r = replied(await rawRequest(berth.apiPort, { method: 'GET', path: `/${known}.git/info/refs${q}`, headers: auth() }));
      assert.equal(r.status, 400, `info/refs${q}`);
      assert.match(r.body.toString(), /info\/refs needs \?service=git-upload-pack or \?service=git-receive-pack/);
    }
    const put = replied(await rawRequest(berth.apiPort, { method: 'PUT', path: `/${known}.git/info/refs?service=git-upload-pack`, headers: auth(), body: '' }));
    assert.equal(put.status, 405);
    const get = replied(await rawRequest(berth.apiPort, { method: 'GET', path: `/${known}.git/git-receive-pack`, headers: auth() }));
    assert.equal(get.status, 405);
  });

  test('every error answer carries the API\'s security headers and echoes input with its control characters escaped', async () => {
    const apiReply = await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1/apps`, { headers: { authorization: `Bearer ${berth.token}` } });
    const SECURITY = ['content-security-policy', 'x-content-type-options', 'referrer-policy', 'x-frame-options', 'cross-origin-opener-policy'];
    // A terminal escape (clear screen), markup, and a CR LF that would forge a line of its own.
    const hostile = '%1b%5b2J%3Cscript%3Ealert(1)%3C%2Fscript%3E%0d%0aremote:%20forged';
    const answers = [
      replied(await rawRequest(berth.apiPort, { method: 'GET', path: `/${known}.git/info/refs?service=${hostile}`, headers: auth() })),
      replied(await rawRequest(berth.apiPort, { method: 'GET', path: `/${known}.git/info/refs?service=git-upload-pack` })),
      replied(await rawRequest(berth.apiPort, { method: 'GET', path: '/%3Cscript%3E.git/info/refs?service=git-upload-pack', headers: auth() })),
      replied(await post(known, 'x', { 'content-type': 'text/html' })),
      replied(await rawRequest(berth.apiPort, { method: 'GET', path: `/${known}.git/%2e%2e/x.git/info/refs`, headers: auth() })),
    ];
    assert.deepEqual(answers.map((a) => a.status), [400, 401, 400, 415, 400]);
    for (const a of answers) {
      assert.equal(a.headers['content-type'], 'text/plain; charset=utf-8');
      for (const h of SECURITY) assert.equal(a.headers[h], apiReply.headers.get(h) ?? undefined, `${a.status}: ${h}`);
      assert.equal(a.headers['x-content-type-options'], 'nosniff');
      const body = a.body.toString('utf8');
      assert.doesNotMatch(body, /[\u0000-\u0009\u000b-\u001f\u007f]/, `control characters in ${JSON.stringify(body)}`);
      for (const line of body.trimEnd().split('\n')) assert.match(line, /^berth: /);
    }
    assert.match(answers[0]!.body.toString(), /not "\\x1b\[2J<script>alert\(1\)<\/script>\\x0d\\x0aremote: forged"/);
  });

  test('a probe or ls-remote of an unknown app creates nothing', async () => {
    const app = appName();
    const before = repoDirs();
    const adv = replied(await rawRequest(berth.apiPort, { method: 'GET', path: `/${app}.git/info/refs?service=git-receive-pack`, headers: auth() }));
    assert.equal(adv.status, 200);
    assert.equal(adv.headers['content-type'], 'application/x-git-receive-pack-advertisement');
    assert.match(adv.body.toString('latin1'), /^001f# service=git-receive-pack\n0000[0-9a-f]{4}0{40} capabilities\^\{\}\0.*report-status/s);
    const ls = spawnSync('git', ['ls-remote', berth.remote(app)], { encoding: 'utf8' });
    assert.notEqual(ls.status, 0);
    // A probe (git sends a lone flush before a large push) answers empty.
    const probe = replied(await post(app, '0000'));
    assert.equal(probe.status, 200);
    assert.equal(probe.body.length, 0);
    assert.equal(await appExists(app), false);
    assert.deepEqual(repoDirs(), before);
    assert.deepEqual(incoming(), []);
  });

  test('a push of another branch to an unknown app is refused with the reason and creates nothing', async () => {
    const app = appName();
    const res = await push(repo, berth.remote(app), 'HEAD:feature');
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /remote:  !     The app "t-[0-9a-f]+" does not exist, and only a push to main or master creates it\./);
    assert.match(res.output, /\[remote rejected\] HEAD -> feature \(app t-[0-9a-f]+ does not exist\)/);
    assert.equal(await appExists(app), false);
    assert.equal(existsSync(path.join(berth.dataDir, 'repos', `${app}.git`)), false);
    assert.deepEqual(incoming(), []);
  });

  test('a first push to main whose pack is corrupt creates nothing', async () => {
    const app = appName();
    const { body } = pushBody(repo, 'refs/heads/main');
    const bad = Buffer.from(body);
    for (let i = bad.length - 200; i < bad.length; i += 7) bad[i] = bad[i]! ^ 0x5a;
    const r = replied(await post(app, bad));
    assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), String(r.status));
    if (r.status === 200) assert.match(r.body.toString('latin1'), /unpack (?!ok)/);
    assert.equal(await appExists(app), false);
    assert.equal(existsSync(path.join(berth.dataDir, 'repos', `${app}.git`)), false);
    assert.deepEqual(incoming(), []);
    const h = await health();
    assert.equal(h.uncaught, 0);
    assert.equal(berth.pid(), pid);
  });
});

describe('the last-resort guard', () => {
  test('logs an uncaught error as a bug with its stack and count, and keeps the process alive', () => {
    const script = `
      import { installLastResortGuard } from ${JSON.stringify(path.join(ROOT, 'dist/shared/last-resort.js'))};
      import { uncaughtCount } from ${JSON.stringify(path.join(ROOT, 'dist/shared/uncaught.js'))};
      import { EventEmitter } from 'node:events';
      installLastResortGuard();
      setTimeout(() => new EventEmitter().emit('error', new Error('nobody listens')), 10);
      setTimeout(() => Promise.reject(new Error('nobody awaits')), 20);
      setTimeout(() => { console.log('alive, count=' + uncaughtCount()); }, 100);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /alive, count=2/);
    assert.match(r.stderr, /berth: BUG: uncaught exception, 1 so far .*Error: nobody listens\n\s+at /);
    assert.match(r.stderr, /berth: BUG: uncaught rejection, 2 so far .*Error: nobody awaits/);
  });
});
