// Backing services end to end (issue 21): a real postgres and redis from
// Debian's packages, a real app (apps/node-postgres, pg from npm) linked to
// them, isolation proven from inside other containers, data that outlives a
// service restart and a redeploy, and destroy refused while linked.
// One Berth, two pushes (done at once), one postgres and one redis per file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startBerth, ROOT, type Berth } from '../helpers/berth.js';
import { api, sse } from '../helpers/api.js';
import { push, sampleRepo } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { removeAppObjects, removeServiceObjects } from '../helpers/docker.js';
import { launchBrowser, openPage, signInWith } from '../helpers/browser.js';
import { runBerthCli } from '../helpers/cli.js';

const hex = () => randomBytes(3).toString('hex');
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

describe('backing services', () => {
  let berth: Berth;
  const app = `t-pg-${hex()}`;
  const other = `t-other-${hex()}`;
  const db = `db-${hex()}`;
  const cache = `cache-${hex()}`;
  const call = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);
  const get = (p: string) => viaRouter(berth.routerPort, `${app}.localhost`, p, 15_000);
  const count = async () => {
    const r = await get('/count');
    assert.equal(r.status, 200, r.body);
    return Number(/^visits: (\d+)$/m.exec(r.body)?.[1]);
  };
  /** A one-off of `target` running bash; its exit code and output. */
  async function run(target: string, script: string) {
    const res = await sse(berth.apiPort, berth.token, 'POST', `/apps/${target}/run`, { command: ['bash', '-c', script] }, 90_000);
    const out = res.events.filter((e) => e.event === 'message').map((e) => e.data.text).join('');
    return { code: res.events.find((e) => e.event === 'exit')?.data.code as number | undefined, out };
  }
  const cli = (...args: string[]) => runBerthCli(args, { HOME: berth.dataDir, BERTH_URL: `http://127.0.0.1:${berth.apiPort}`, BERTH_TOKEN: berth.token }, 120_000);
  const tcp = (host: string, port: number) => `timeout 5 bash -c 'exec 3<>/dev/tcp/${host}/${port}' && echo open || echo closed`;

  before(async () => {
    berth = await startBerth();
    const [pg, hello, created] = await Promise.all([
      sampleRepo('node-postgres').then((dir) => push(dir, berth.remote(app))),
      sampleRepo('dockerfile-hello').then((dir) => push(dir, berth.remote(other))),
      call('POST', '/services', { kind: 'postgres', name: db }),
    ]);
    assert.equal(pg.code, 0, pg.output);
    assert.equal(hello.code, 0, hello.output);
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(async () => {
    await berth?.destroy();
    removeServiceObjects([db, cache]);
    removeAppObjects([app, other]);
  });

  test('create answers once postgres accepts connections: its own volume, limits, hardening, no published port', async () => {
    const { body } = await call('GET', `/services/${db}`);
    assert.equal(body.service.status, 'running');
    assert.match(body.service.version, /^15\./);
    assert.ok(body.service.sizeBytes > 1_000_000, `size on disk: ${body.service.sizeBytes}`);
    assert.deepEqual(body.service.links, []);
    assert.equal(body.service.lastBackup, null);
    assert.ok(!JSON.stringify(body).includes('postgres://'), 'info never shows the URL or password');
    const c = JSON.parse(docker('inspect', `berth-svc-${db}`))[0];
    assert.equal(c.Config.Labels['berth.service'], db);
    assert.equal(c.HostConfig.RestartPolicy.Name, 'unless-stopped');
    assert.ok(c.HostConfig.Memory > 0 && c.HostConfig.PidsLimit > 0 && c.HostConfig.NanoCpus > 0);
    assert.deepEqual(c.HostConfig.CapDrop, ['ALL']);
    assert.deepEqual(c.HostConfig.SecurityOpt, ['no-new-privileges']);
    assert.deepEqual(c.NetworkSettings.Ports ?? {}, {}, 'no port is published on the host');
    assert.ok(c.Config.Healthcheck.Test.length > 1);
    assert.equal(JSON.parse(docker('volume', 'inspect', `berth-svc-${db}-data`))[0].Labels['berth.service'], db);
    assert.equal(JSON.parse(docker('network', 'inspect', `berth-svc-${db}`))[0].Internal, true);
  });

  test('bad input is refused with a clear error', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ kind: 'mysql', name: 'x1' }, 400, /unknown service kind "mysql": use postgres or redis/],
      [{ kind: 'postgres', name: 'Bad_Name' }, 400, /invalid service name "Bad_Name"/],
      [{ kind: 'postgres', name: 'postgres' }, 400, /reserved/],
      [{ kind: 'postgres', name: db }, 409, /already exists/],
      [{ kind: 'postgres', name: 'x2', size: 1 }, 400, /unknown field "size"/],
    ];
    for (const [body, status, message] of cases) {
      const r = await call('POST', '/services', body);
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.match(r.body.error.message, message);
    }
    assert.equal((await call('POST', `/services/${db}/links`, { app: 'no-such-app' })).status, 404);
    assert.equal((await call('GET', '/services/nope-nope')).status, 404);
  });

  test('link sets DATABASE_URL in a new release, and the app counts visits in the database', async () => {
    assert.equal((await get('/')).status, 503, 'no DATABASE_URL before the link');
    const linked = await call('POST', `/services/${db}/links`, { app });
    assert.equal(linked.status, 200, JSON.stringify(linked.body));
    assert.equal(linked.body.envVar, 'DATABASE_URL');
    assert.ok(linked.body.release >= 2);
    const before = await count();
    for (let i = 0; i < 3; i++) assert.equal((await get('/')).status, 200);
    assert.equal(await count(), before + 3);
    const check = execFileSync(`${ROOT}/apps/node-postgres/check`, [`http://${app}.localhost:${berth.routerPort}`], { encoding: 'utf8' });
    assert.match(check, /^ok: visits: \d+/);
    assert.deepEqual((await call('GET', `/services/${db}`)).body.service.links, [{ app, envVar: 'DATABASE_URL' }]);
    assert.equal((await call('POST', `/services/${db}/links`, { app })).status, 409, 'a second link to the same app is refused');
    const listed = await cli('services');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${db}\\s+postgres\\s+running.*${app} \\(DATABASE_URL\\)`));
  });

  test('only the linked app reaches the database: not another app by name or by address', async () => {
    const ip = JSON.parse(docker('inspect', `berth-svc-${db}`))[0].NetworkSettings.Networks[`berth-app-${app}`].IPAddress as string;
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    const linked = await run(app, tcp(`berth-svc-${db}`, 5432));
    assert.match(linked.out, /^open$/m, `the linked app's one-off: ${linked.out}`);
    const byName = await run(other, tcp(`berth-svc-${db}`, 5432));
    assert.match(byName.out, /closed/, byName.out);
    const byIp = await run(other, tcp(ip, 5432));
    assert.match(byIp.out, /^closed$/m, `another app reached ${ip}:5432: ${byIp.out}`);
  });

  test('destroy is refused while linked, naming the app', async () => {
    const r = await call('DELETE', `/services/${db}?confirm=${db}`);
    assert.equal(r.status, 409);
    assert.match(r.body.error.message, new RegExp(`linked to ${app}`));
    assert.match(r.body.error.hint, new RegExp(`berth services:unlink ${db} ${app}`));
    assert.equal((await call('DELETE', `/services/${db}`)).status, 400, 'and needs --confirm');
    const refused = await cli('services:destroy', db, '--confirm', db);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`${db} is linked to ${app}; unlink it first`));
  });

  test('the dashboard\'s Services page lists the service, its status and the linked app', async () => {
    const browser = await launchBrowser();
    try {
      const { page, problems } = await openPage(await browser.newContext());
      const base = `http://127.0.0.1:${berth.apiPort}`;
      await signInWith(page, base, berth.token);
      await page.getByRole('link', { name: 'Services', exact: true }).click();
      const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: db, exact: true }) });
      await row.waitFor({ timeout: 15_000 });
      const text = await row.innerText();
      assert.match(text, /postgres/);
      assert.match(text, /Running/);
      assert.match(text, new RegExp(`${app}\\s+DATABASE_URL`));
      assert.equal(await row.getByRole('link', { name: app }).getAttribute('href'), `/apps/${app}`);
      // Text as a person reads it: an entity escaped twice showed as "&lt;service&gt;".
      assert.match(await page.locator('main').innerText(), /berth services:link <service> <app>/);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  test('data survives a service restart, a redeploy of the app and a Berth restart', async () => {
    const n = await count();
    const restarted = await call('POST', `/services/${db}/restart`);
    assert.equal(restarted.status, 200, JSON.stringify(restarted.body));
    assert.equal(await count(), n);
    const redeployed = await call('PUT', `/apps/${app}/config`, { vars: { TOUCH: hex() } });
    assert.equal(redeployed.status, 200, JSON.stringify(redeployed.body));
    assert.equal(await count(), n);
    await berth.stop();
    await berth.start();
    assert.equal(await count(), n, 'after a Berth restart');
    assert.equal((await call('GET', `/services/${db}`)).body.service.status, 'running');
    const logs = await call('GET', `/services/${db}/logs?lines=50`);
    assert.ok(logs.body.lines.some((l: string) => /database system is ready to accept connections/.test(l)), logs.body.lines.join('\n'));
  });

  test('a redis service gives REDIS_URL, which answers PING with its password', async () => {
    const created = await call('POST', '/services', { kind: 'redis', name: cache });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.service.version, /^7\./);
    const linked = await call('POST', `/services/${cache}/links`, { app });
    assert.equal(linked.body.envVar, 'REDIS_URL', JSON.stringify(linked.body));
    const ping = await run(app, `u=\${REDIS_URL#redis://:}; pw=\${u%%@*}; hp=\${u#*@}; exec 3<>/dev/tcp/\${hp%%:*}/6379;
      printf 'PING\\r\\nAUTH %s\\r\\nPING\\r\\nQUIT\\r\\n' "$pw" >&3; timeout 5 cat <&3 || true`);
    assert.match(ping.out, /NOAUTH/, `without the password: ${ping.out}`);
    assert.match(ping.out, /\+OK\r?\n\+PONG/, ping.out);
  });

  test('unlink drops the var in a new release; destroying a linked app drops its links; then destroy works', async () => {
    const un = await call('DELETE', `/services/${db}/links/${app}`);
    assert.equal(un.status, 200, JSON.stringify(un.body));
    assert.equal((await get('/')).status, 503, 'DATABASE_URL is gone from the app');
    assert.equal((await call('GET', `/apps/${app}/config/DATABASE_URL`)).status, 404);
    const gone = await call('DELETE', `/apps/${app}?confirm=${app}`);
    assert.equal(gone.status, 200, JSON.stringify(gone.body));
    assert.deepEqual((await call('GET', `/services/${cache}`)).body.service.links, []);
    for (const name of [db, cache]) {
      const d = await call('DELETE', `/services/${name}?confirm=${name}`);
      assert.equal(d.status, 200, JSON.stringify(d.body));
      assert.equal(docker('ps', '-aq', '--filter', `label=berth.service=${name}`), '');
      assert.equal(docker('volume', 'ls', '-q', '--filter', `label=berth.service=${name}`), '');
    }
    assert.deepEqual((await call('GET', '/services')).body.services, []);
    const events = (await call('GET', '/events?n=200')).body.events as { action: string; detail?: string; result: string }[];
    const seen = (action: string, detail: string, result = 'ok') => events.some((e) => e.action === action && e.detail === detail && e.result === result);
    assert.ok(seen('services:create', `postgres ${db}`), JSON.stringify(events.map((e) => [e.action, e.detail, e.result])));
    assert.ok(seen('services:link', `${db} ${app}`));
    assert.ok(seen('services:destroy', db, 'failed'), 'the refused destroy is in the audit log');
    assert.ok(seen('services:unlink', `${db} ${app}`));
    assert.ok(seen('services:destroy', db));
  });
});
