// The CLI's own formatting and flags, against a tiny fake API in this
// process: what it sends, what it prints, how it fails. The real server is
// exercised by e2e.test.ts.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cli, fakeApi, sseReply, type FakeApi } from './fake-api.js';

const PROCESS = { type: 'web', state: 'running', crashed: false, startedAt: '2026-11-29T03:00:00.000Z', uptimeSec: 65, restarts: 0, release: 'v3' };

describe('CLI formatting and flags (fake API)', () => {
  let api: FakeApi;
  let home: string;
  let env: Record<string, string>;
  const run = (...argv: string[]) => cli(argv, env);

  before(async () => {
    api = await fakeApi();
    home = await mkdtemp(path.join(os.tmpdir(), 'berth-cli-home-'));
    env = { HOME: home, BERTH_URL: api.url, BERTH_TOKEN: 'tok-123' };
  });
  after(async () => {
    await api.close();
    await rm(home, { recursive: true, force: true });
  });
  beforeEach(() => { api.seen.length = 0; });

  test('apps: a table, the bearer token, and --json prints the raw answer', async () => {
    const body = { apps: [{ name: 'shop', createdAt: Date.now() - 7200_000, currentRelease: 3, url: 'http://shop.localhost' }, { name: 'blog-api', createdAt: Date.now(), currentRelease: 0, url: 'http://blog-api.localhost' }] };
    api.route('GET', '/apps', body);
    const r = await run('apps');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, [
      '=== Apps',
      'NAME      RELEASE  URL                        CREATED',
      'shop      v3       http://shop.localhost      2h ago',
      'blog-api  none     http://blog-api.localhost  just now',
      '',
    ].join('\n'));
    assert.equal(api.seen[0]!.auth, 'Bearer tok-123');
    const j = await run('apps', '--json');
    assert.deepEqual(JSON.parse(j.stdout), body);
  });

  test('--app stands in for the first argument; config prints aligned and --shell quotes', async () => {
    api.route('GET', '/apps/shop/config', { config: { Z_LAST: "it's", A: '1', LONG_NAME: 'x y' } });
    const r = await run('config', '-a', 'shop');
    assert.equal(r.stdout, "=== shop Config Vars\nA:         1\nLONG_NAME: x y\nZ_LAST:    it's\n");
    const s = await run('config', 'shop', '--shell');
    assert.equal(s.stdout, "A='1'\nLONG_NAME='x y'\nZ_LAST='it'\\''s'\n");
    assert.deepEqual(api.seen.map((x) => x.url), ['/api/v1/apps/shop/config', '/api/v1/apps/shop/config']);
  });

  test('config:set sends vars and restart, reports the release; bad pairs send nothing', async () => {
    api.route('PUT', '/apps/shop/config', { config: { A: '1', B: 'x=y' }, release: { version: 4 } });
    const r = await run('config:set', 'shop', 'A=1', 'B=x=y', '--no-restart');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(api.seen[0]!.body, { vars: { A: '1', B: 'x=y' }, restart: false });
    assert.equal(r.stderr, 'Setting A and B on shop (no restart)... done, v4\n');
    assert.equal(r.stdout, 'A: 1\nB: x=y\n');
    api.seen.length = 0;
    for (const bad of [['GOOD=1', 'NOEQUALS'], ['1BAD=x'], ['A-B=1']]) {
      const b = await run('config:set', 'shop', ...bad);
      assert.equal(b.code, 1);
      assert.match(b.stderr, /^ !     (".*" is not KEY=value|invalid config var name)/);
    }
    assert.equal(api.seen.length, 0, 'no request for invalid input');
  });

  test('config:unset sends the keys and restart in the query', async () => {
    api.route('DELETE', '/apps/shop/config', { config: {}, release: { version: 5 } });
    const r = await run('config:unset', 'shop', 'A', 'B');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(api.seen[0]!.url, '/api/v1/apps/shop/config?keys=A%2CB&restart=true');
    assert.match(r.stderr, /Unsetting A and B and restarting shop\.\.\. done, v5/);
  });

  test('config:set --encoded sends the decoded values; bad base64 or non-text sends nothing', async () => {
    api.route('PUT', '/apps/shop/config', { config: {}, release: { version: 6 } });
    const pem = '-----BEGIN KEY-----\nline \'two\'\n';
    const r = await run('config:set', 'shop', '--encoded', `KEY_PEM=${Buffer.from(pem).toString('base64')}`, `E=`, `U=${Buffer.from('héllo').toString('base64')}`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(api.seen[0]!.body, { vars: { KEY_PEM: pem, E: '', U: 'héllo' }, restart: true });
    api.seen.length = 0;
    const wrapped = Buffer.from('x'.repeat(100)).toString('base64').replace(/.{76}/, '$&\n');
    assert.equal((await run('config:set', 'shop', '--encoded', `W=${wrapped}\n`)).code, 0);
    assert.equal((api.seen[0]!.body as { vars: Record<string, string> }).vars.W, 'x'.repeat(100), 'line breaks are skipped, as base64 -d does');
    api.seen.length = 0;
    for (const bad of ['bm90IGJhc2U2NA', 'not base64!', 'aGk=aGk=', 'YQ== ', 'aGk-']) {
      const b = await run('config:set', 'shop', '--encoded', 'OK=aGk=', `SECRET=${bad}`);
      assert.equal(b.code, 1, bad);
      assert.match(b.stderr, /SECRET: its value is not valid base64, and --encoded takes base64 values/, bad);
      assert.ok(!b.stderr.includes(bad.trim()), 'the value is not echoed');
    }
    const binary = await run('config:set', 'shop', '--encoded', `B=${Buffer.from([0xff, 0xfe]).toString('base64')}`);
    assert.match(binary.stderr, /B: the --encoded value decodes to bytes that are not UTF-8 text/);
    assert.equal(api.seen.length, 0);
    const plain = await run('config:set', 'shop', 'A=aGk=');
    assert.equal(plain.code, 0);
    assert.deepEqual(api.seen[0]!.body.vars, { A: 'aGk=' }, 'without --encoded nothing is decoded');
    assert.match((await run('config:set', '--help')).stdout, /--encoded +the values are base64-encoded/);
  });

  test('url prints the URL alone; Dokku and Heroku aliases are the same commands, listed in help', async () => {
    api.route('GET', '/apps/shop', { app: { name: 'shop', url: 'http://shop.example.com', createdAt: Date.now(), currentRelease: 2 } });
    api.route('GET', '/apps/shop/ps', { processes: [{ ...PROCESS, name: 'web.1' }], formation: { web: 1 } });
    api.route('GET', '/apps/shop/config', { config: { A: '1' } });
    api.route('DELETE', '/apps/shop/config', { config: {}, release: { version: 7 } });
    api.route('GET', '/apps/shop/domains', { domains: ['www.example.com'] });
    assert.equal((await run('url', 'shop')).stdout, 'http://shop.example.com\n');
    assert.equal((await run('apps:url', 'shop')).stdout, 'http://shop.example.com\n');
    assert.deepEqual((await run('apps:report', 'shop')).stdout, (await run('apps:info', 'shop')).stdout);
    assert.deepEqual((await run('ps:report', 'shop')).stdout, (await run('ps', 'shop')).stdout);
    assert.deepEqual((await run('config:show', 'shop')).stdout, (await run('config', 'shop')).stdout);
    assert.deepEqual((await run('domains:report', 'shop')).stdout, (await run('domains', 'shop')).stdout);
    api.seen.length = 0;
    assert.equal((await run('config:remove', 'shop', 'A')).code, 0);
    assert.equal(api.seen[0]!.url, '/api/v1/apps/shop/config?keys=A&restart=true');
    assert.match((await run('config:show', '--help')).stdout, /^Usage: berth config <app>[^]*Aliases: config:list, config:show/);
    const general = (await run('help')).stdout;
    assert.match(general, /^Aliases \(the names Dokku and Heroku use\):$/m);
    assert.match(general, /^ {2}apps:info +info, apps:report$/m);
    assert.match(general, /^ {2}url <app> +Print the app's URL$/m);
  });

  test('server errors: the message and hint on stderr, exit 1; 401 says to log in', async () => {
    api.route('GET', '/apps/nope', { error: { code: 'app_not_found', message: 'app "nope" does not exist', hint: 'see `berth apps`' } }, 404);
    const r = await run('apps:info', 'nope');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, ' !     app "nope" does not exist\n !     see `berth apps`\n');
    api.route('GET', '/apps/shop/releases', { error: { code: 'unauthorized', message: 'invalid token' } }, 401);
    const u = await run('releases', 'shop');
    assert.equal(u.code, 1);
    assert.equal(u.stderr, ' !     invalid token\n !     Run berth login, or check BERTH_TOKEN.\n');
    api.route('GET', '/apps/shop/ps', (_req, res) => { res.writeHead(502); res.end('<html>Bad Gateway</html>'); });
    const g = await run('ps', 'shop');
    assert.match(g.stderr, /GET \/apps\/shop\/ps failed: 502 Bad Gateway \(<html>Bad Gateway<\/html>\)/);
  });

  test('rollback takes v3 or 3, or nothing for the previous release', async () => {
    api.route('POST', '/apps/shop/rollback', { release: { version: 6, description: 'Rollback to v3', status: 'live' } });
    const r = await run('rollback', 'shop', 'v3');
    assert.equal(r.stdout, 'v6: Rollback to v3\n');
    await run('rollback', 'shop', '3');
    await run('rollback', 'shop');
    assert.deepEqual(api.seen.map((s) => s.body), [{ version: 3 }, { version: 3 }, {}]);
    const bad = await run('rollback', 'shop', 'latest');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /"latest" is not a release/);
  });

  test('releases mark the current one', async () => {
    api.route('GET', '/apps/shop/releases', { releases: [
      { version: 2, description: 'Set A', createdAt: Date.now(), status: 'live', current: true },
      { version: 1, description: 'Deploy abc1234', createdAt: Date.now() - 60_000, status: 'live', current: false },
    ] });
    const r = await run('releases', 'shop');
    assert.equal(r.stdout, [
      '=== shop Releases',
      '   VERSION  STATUS  DESCRIPTION     CREATED',
      '*  v2       live    Set A           just now',
      '   v1       live    Deploy abc1234  1m ago',
      '',
    ].join('\n'));
  });

  test('releases: a release rolled back after go-live says why, with its last lines', async () => {
    api.route('GET', '/apps/shop/releases', { releases: [
      { version: 3, description: 'Rollback to v1 (v2 crashed after go-live: exited with code 1)', createdAt: Date.now(), status: 'live', current: true },
      { version: 2, description: 'Set CRASH_AFTER', createdAt: Date.now(), status: 'failed', current: false,
        failure: { reason: 'v2 crashed after go-live: exited with code 1', lastLines: ['listening on 5000', 'cannot start twice'] } },
      { version: 1, description: 'Deploy abc1234', createdAt: Date.now() - 60_000, status: 'live', current: false },
    ] });
    const r = await run('releases', 'shop');
    assert.equal(r.stdout, [
      '=== shop Releases',
      '   VERSION  STATUS  DESCRIPTION                                                   CREATED',
      '*  v3       live    Rollback to v1 (v2 crashed after go-live: exited with code …  just now',
      '   v2       failed  Set CRASH_AFTER                                               just now',
      '   v1       live    Deploy abc1234                                                1m ago',
      '',
      'v2 failed after go-live: crashed, exited with code 1',
      '  listening on 5000',
      '  cannot start twice',
      '',
    ].join('\n'));
  });

  test('ps: a table, and crashed processes with their last lines', async () => {
    api.route('GET', '/apps/shop/ps', { formation: { web: 2, worker: 0 }, processes: [
      { ...PROCESS, name: 'web.1' },
      { ...PROCESS, name: 'web.2', state: 'restarting', crashed: true, uptimeSec: 0, restarts: 4, lastLines: ['Traceback (most recent call last):', 'KeyError: DATABASE_URL'] },
    ] });
    const r = await run('ps', 'shop');
    assert.equal(r.stdout, [
      '=== shop Processes (web=2 worker=0)',
      'NAME   STATE    UPTIME  RESTARTS  RELEASE  STARTED',
      'web.1  running  1m 5s          0  v3       2026-11-29 03:00:00Z',
      'web.2  crashed  -              4  v3       2026-11-29 03:00:00Z',
      '',
      'web.2 crashed (restarted 4 times); its last lines:',
      '       Traceback (most recent call last):',
      '       KeyError: DATABASE_URL',
      '',
    ].join('\n'));
  });

  test('ps under Swarm: a Node column names where each process runs', async () => {
    api.route('GET', '/apps/shop/ps', { formation: { web: 2 }, processes: [
      { ...PROCESS, name: 'web.1', node: '10.0.0.1' }, { ...PROCESS, name: 'web.2', node: '10.0.0.2' },
    ] });
    const r = await run('ps', 'shop');
    assert.deepEqual(r.stdout.split('\n').slice(1, 4), [
      'NAME   STATE    UPTIME  RESTARTS  RELEASE  STARTED               NODE',
      'web.1  running  1m 5s          0  v3       2026-11-29 03:00:00Z  10.0.0.1',
      'web.2  running  1m 5s          0  v3       2026-11-29 03:00:00Z  10.0.0.2',
    ]);
  });

  test('ps:scale validates locally, sends the formation, and prints it without args', async () => {
    api.route('PUT', '/apps/shop/formation', { formation: { web: 2, worker: 1 }, processes: [] });
    api.route('GET', '/apps/shop/ps', { formation: { web: 1, worker: 0 }, processes: [] });
    for (const bad of ['web=abc', 'web=-1', 'web=101', 'web']) {
      const b = await run('ps:scale', 'shop', bad);
      assert.equal(b.code, 1, bad);
      assert.match(b.stderr, /TYPE=COUNT|whole number from 0 to 100/);
    }
    assert.equal(api.seen.length, 0);
    const r = await run('ps:scale', 'shop', 'web=2', 'worker=1');
    assert.deepEqual(api.seen[0]!.body, { formation: { web: 2, worker: 1 } });
    assert.equal(r.stdout, 'Now running web=2 worker=1\n');
    assert.equal((await run('ps:scale', 'shop')).stdout, 'web=1 worker=0\n');
  });

  test('logs: `time process: line`, -n and -p in the query, colour only on a terminal', async () => {
    const lines = [{ time: '2026-11-29T03:00:00.000Z', process: 'web.1', line: 'listening on 5000' }, { time: '2026-11-29T03:00:01.000Z', process: 'worker.1', line: 'tick' }];
    api.route('GET', '/apps/shop/logs', { lines });
    const r = await run('logs', 'shop', '-n', '50', '-p', 'web');
    assert.equal(api.seen[0]!.url, '/api/v1/apps/shop/logs?n=50&type=web');
    assert.equal(r.stdout, '2026-11-29T03:00:00.000Z web.1: listening on 5000\n2026-11-29T03:00:01.000Z worker.1: tick\n');
    const tty = await cli(['logs', 'shop'], env, { tty: true });
    assert.match(tty.stdout, /\x1b\[2m2026-11-29T03:00:00.000Z\x1b\[0m \x1b\[\d+mweb\.1:\x1b\[0m listening on 5000/);
    const noColour = await cli(['logs', 'shop'], { ...env, NO_COLOR: '1' }, { tty: true });
    assert.doesNotMatch(noColour.stdout, /\x1b/);
  });

  test('logs -t follows the SSE stream and Ctrl-C ends it cleanly (exit 0)', async () => {
    api.route('GET', '/apps/shop/logs', (_req, res) => sseReply(res, [{ time: 't1', process: 'web.1', line: 'a' }, { time: 't2', process: 'web.2', line: 'b' }], true));
    let stop: (() => void) | undefined;
    const pending = cli(['logs', 'shop', '-t'], env, { onInterrupt: (s) => { stop = s; return () => { stop = undefined; }; } });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(stop, 'the tail listens for Ctrl-C');
    stop!();
    const r = await pending;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 't1 web.1: a\nt2 web.2: b\n');
    assert.match(api.seen[0]!.url, /tail=1/);
  });

  test('run: output to the matching stream, the exit code passed through', async () => {
    api.route('POST', '/apps/shop/run', (_req, res) => sseReply(res, [
      { stream: 'stdout', text: 'hi\n' }, { stream: 'stderr', text: 'oops\n' }, { stream: 'stdout', text: 'no newline' }, ['exit', { code: 3 }],
    ]));
    const r = await run('run', 'shop', '--', 'sh', '-c', 'echo hi; exit 3');
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'hi\nno newline');
    assert.equal(r.stderr, 'oops\n');
    assert.deepEqual(api.seen[0]!.body, { command: ['sh', '-c', 'echo hi; exit 3'], detach: false });
    // Without `--`, options after the command's first word belong to it.
    await run('run', 'shop', 'ls', '-la', '--tail');
    assert.deepEqual(api.seen[1]!.body.command, ['ls', '-la', '--tail']);
    await run('run', '-a', 'shop', 'ls', '-la');
    assert.deepEqual(api.seen[2]!.body.command, ['ls', '-la']);
  });

  test('run: an error event or a cut stream is a failure; --detach prints the name', async () => {
    api.route('POST', '/apps/shop/run', (_req, res) => sseReply(res, [['error', { message: 'the image is gone' }]]));
    const e = await run('run', 'shop', '--', 'true');
    assert.equal(e.code, 1);
    assert.equal(e.stderr, ' !     the image is gone\n');
    api.route('POST', '/apps/shop/run', (req, res) => {
      if (req.body.detach) { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"name":"run.4242"}'); } else sseReply(res, []);
    });
    const cut = await run('run', 'shop', '--', 'true');
    assert.equal(cut.code, 1);
    assert.match(cut.stderr, /closed before the command ended/);
    const d = await run('run', 'shop', '--detach', '--', 'sleep', '60');
    assert.equal(d.stdout, 'run.4242\n');
  });

  test('apps:destroy refuses locally without --confirm, naming the exact command', async () => {
    const r = await run('apps:destroy', 'shop');
    assert.equal(r.code, 1);
    assert.match(r.stderr, / !     to proceed, run: berth apps:destroy shop --confirm shop\n/);
    const wrong = await run('apps:destroy', 'shop', '--confirm', 'blog');
    assert.equal(wrong.code, 1);
    assert.equal(api.seen.length, 0);
    api.route('DELETE', '/apps/shop', { destroyed: 'shop' });
    const ok = await run('apps:destroy', 'shop', '--confirm', 'shop');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(api.seen[0]!.url, '/api/v1/apps/shop?confirm=shop');
  });

  test('apps:create shows the git remote with the token masked', async () => {
    api.route('POST', '/apps', { app: { name: 'shop', createdAt: 1, currentRelease: 0, url: 'http://shop.localhost' } }, 201);
    const r = await run('apps:create', 'shop');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `http://shop.localhost | http://berth:<token>@${new URL(api.url).host}/shop.git\n`);
    assert.doesNotMatch(r.stdout + r.stderr, /tok-123/);
    assert.match(r.stderr, /git remote add berth http:\/\/berth:<token>@/);
  });

  test('unknown commands get a did-you-mean and the list; --help sends nothing', async () => {
    const r = await run('confg:set', 'shop');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /"confg:set" is not a berth command\.\n !     Did you mean config:set\?/);
    assert.match(r.stderr, /config, config:get, config:set, config:unset/);
    const h = await run('ps:scale', '--help');
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^Usage: berth ps:scale <app> \[TYPE=COUNT\.\.\.\]/);
    assert.match(h.stdout, /Examples:\n {2}\$ berth ps:scale my-app web=2 worker=1/);
    assert.match(h.stdout, /-a, --app <app>/);
    const general = await run('help');
    assert.match(general.stdout, /^Usage: berth <command>/);
    assert.match(general.stdout, /server \[--role/);
    const missing = await run('config:set');
    assert.match(missing.stderr, /which app\?/);
    const extra = await run('apps:info', 'shop', 'extra');
    assert.match(extra.stderr, /unexpected argument "extra"/);
    assert.equal(api.seen.length, 0);
  });

  test('a spinner on a terminal only', async () => {
    api.route('PUT', '/apps/shop/formation', (_req, res) => setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"formation":{"web":3},"processes":[]}');
    }, 250));
    const tty = await cli(['ps:scale', 'shop', 'web=3'], env, { tty: true });
    assert.match(tty.stderr, /^\rScaling shop to web=3\.\.\. ⠋/);
    assert.match(tty.stderr, /\rScaling shop to web=3\.\.\. done\x1b\[K\n$/);
    const piped = await run('ps:scale', 'shop', 'web=3');
    assert.equal(piped.stderr, 'Scaling shop to web=3... done\n');
  });

  test('login stores the checked token (0600) where XDG says; env wins; logout forgets', async () => {
    const xdg = path.join(home, 'xdg');
    const bare = { HOME: home, XDG_CONFIG_HOME: xdg };
    api.route('GET', '/apps', (req, res) => {
      const ok = req.auth === 'Bearer good';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(ok ? '{"apps":[]}' : '{"error":{"code":"unauthorized","message":"invalid token"}}');
    });
    const none = await cli(['apps'], bare);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no Berth server configured[^\n]*\n !     run berth login/);
    const bad = await cli(['login', '--url', `${api.url}/`, '--token', 'wrong'], bare);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid token/);
    const ok = await cli(['login', '--url', api.url, '--token', 'good'], bare);
    assert.equal(ok.code, 0, ok.stderr);
    const file = path.join(xdg, 'berth', 'credentials.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(path.dirname(file))).mode & 0o777, 0o700);
    assert.equal((await cli(['apps'], bare)).code, 0, 'the stored login is used');
    const envWins = await cli(['apps'], { ...bare, BERTH_TOKEN: 'wrong' });
    assert.equal(envWins.code, 1);
    const out = await cli(['logout'], bare);
    assert.match(out.stdout, /Logged out/);
    assert.equal((await cli(['apps'], bare)).code, 1);
  });
});
