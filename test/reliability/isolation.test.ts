// Isolation, checked from inside real containers (issue 13, item 1): two
// apps deployed by one real server (a root Dockerfile app and a buildpack
// app), each probing from its own container what it can reach and what it
// holds; plus Dockerfiles that try to escape at build time. The server binds
// 0.0.0.0 and uses a TCP Redis on 0.0.0.0 here, so that the API port and
// Redis are reachable from a container unless Berth walls them off.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, ROOT, startBerth, type Berth } from '../helpers/berth.js';
import { git, push } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { removeAppObjects } from '../helpers/docker.js';
import { api, sse } from '../helpers/api.js';

const DOMAIN = 'berth.test';
const FIXTURE = path.join(ROOT, 'test/reliability/fixtures/probe');
const name = (kind: string) => `iso-${kind}-${randomBytes(3).toString('hex')}`;
const apps: string[] = [];

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}
const inspect = (id: string) => JSON.parse(docker('inspect', id))[0];
const webContainer = (app: string) => docker('ps', '-q', '--filter', `label=berth.app=${app}`, '--filter', 'label=berth.role=web').split('\n')[0]!;
const ipOf = (id: string) => (Object.values(inspect(id).NetworkSettings.Networks) as { IPAddress: string }[])[0]!.IPAddress;

/** A fresh repo of the probe, with or without its Dockerfile. */
async function probeRepo(withDockerfile: boolean, dockerfile?: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-iso-'));
  await cp(FIXTURE, dir, { recursive: true });
  if (!withDockerfile) await rm(path.join(dir, 'Dockerfile'));
  if (dockerfile !== undefined) await writeFile(path.join(dir, 'Dockerfile'), dockerfile);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'probe');
  return dir;
}

async function startTcpRedis(): Promise<{ port: number; url: string; child: ChildProcess; dir: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-iso-redis-'));
  const port = await freePort();
  const pass = randomBytes(12).toString('hex');
  // On every address, as a careless operator might: the firewall must still keep apps out.
  const child = spawn('redis-server', ['--port', String(port), '--bind', '0.0.0.0', '--protected-mode', 'no', '--requirepass', pass,
    '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
    if (up) break;
    await sleep(50);
  }
  return { port, url: `redis://:${pass}@127.0.0.1:${port}`, child, dir };
}

describe('isolation, from inside containers', { timeout: 600_000 }, () => {
  let berth: Berth;
  let redis: Awaited<ReturnType<typeof startTcpRedis>>;
  const A = name('a'); // Dockerfile app, root
  const B = name('b'); // buildpack (Procfile) app, user `app`
  apps.push(A, B);
  let a = '';
  let b = '';
  let gateway = '';
  const probe = async (app: string, p: string) => (await viaRouter(berth.routerPort, `${app}.${DOMAIN}`, p, 15_000)).body;

  before(async () => {
    redis = await startTcpRedis();
    berth = await startBerth({ BERTH_DOMAIN: DOMAIN, BERTH_BIND: '0.0.0.0', REDIS_URL: redis.url, BERTH_APP_PIDS_LIMIT: '200', BERTH_APP_CPUS: '0.5' });
    const [ra, rb] = await Promise.all([probeRepo(true), probeRepo(false)]);
    const [pa, pb] = await Promise.all([push(ra, berth.remote(A)), push(rb, berth.remote(B))]);
    assert.equal(pa.code, 0, pa.output);
    assert.equal(pb.code, 0, pb.output);
    a = webContainer(A);
    b = webContainer(B);
    gateway = await probe(A, '/gateway');
    assert.match(gateway, /^\d+\.\d+\.\d+\.\d+$/);
  });

  after(async () => {
    await berth?.destroy();
    redis?.child.kill();
    if (redis) await rm(redis.dir, { recursive: true, force: true });
    removeAppObjects(apps);
  });

  test('each app has a labelled network of its own', () => {
    for (const [app, id] of [[A, a], [B, b]] as const) {
      assert.deepEqual(Object.keys(inspect(id).NetworkSettings.Networks), [`berth-app-${app}`]);
      const net = JSON.parse(docker('network', 'inspect', `berth-app-${app}`))[0];
      assert.equal(net.Labels['berth.app'], app);
    }
  });

  test('an app cannot connect to another app\'s container, either way', async () => {
    assert.match(await probe(A, `/connect?host=${ipOf(b)}&port=5000`), /^closed/);
    assert.match(await probe(B, `/connect?host=${ipOf(a)}&port=5000`), /^closed/);
    // ...while each reaches itself, so the probe does work.
    assert.equal(await probe(A, `/connect?host=${ipOf(a)}&port=5000`), 'open');
  });

  test('the host is closed to apps except the router, which reaches other apps', async () => {
    assert.match(await probe(A, `/connect?host=${gateway}&port=${berth.apiPort}`), /^closed/, 'API port');
    assert.match(await probe(A, `/connect?host=${gateway}&port=${redis.port}`), /^closed/, 'TCP Redis');
    assert.match(await probe(B, `/connect?host=${gateway}&port=${berth.apiPort}`), /^closed/, 'API port from B');
    assert.equal(await probe(A, `/connect?host=${gateway}&port=${berth.routerPort}`), 'open', 'router port');
    assert.equal(await probe(A, `/fetch?host=${gateway}&port=${berth.routerPort}&vhost=${B}.${DOMAIN}`), `200 probe ${B}`);
  });

  test('no-new-privileges, and the capabilities each kind of app keeps', async () => {
    const sa = await probe(A, '/read?path=/proc/self/status');
    const sb = await probe(B, '/read?path=/proc/self/status');
    assert.match(sa, /^NoNewPrivs:\s+1$/m);
    assert.match(sb, /^NoNewPrivs:\s+1$/m);
    // Root Dockerfile app: Docker's default set minus NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE, SETFCAP.
    assert.match(sa, /^Uid:\s+0\s/m);
    assert.match(sa, /^CapEff:\s+00000000000005fb$/m);
    assert.match(sa, /^CapBnd:\s+00000000000005fb$/m);
    // Buildpack app: non-root, nothing at all.
    assert.doesNotMatch(sb, /^Uid:\s+0\s/m);
    assert.match(sb, /^CapEff:\s+0000000000000000$/m);
    assert.match(sb, /^CapBnd:\s+0000000000000000$/m);
  });

  test('memory, CPU and pids limits, and no host privileges at run time', () => {
    for (const [app, id] of [[A, a], [B, b]] as const) {
      const hc = inspect(id).HostConfig;
      assert.equal(hc.PidsLimit, 200);
      assert.equal(hc.NanoCpus, 500_000_000);
      assert.ok(hc.Memory > 0);
      assert.ok(hc.SecurityOpt.includes('no-new-privileges'));
      assert.equal(hc.Privileged, false);
      assert.equal(hc.NetworkMode, `berth-app-${app}`);
      assert.notEqual(hc.PidMode, 'host');
      assert.notEqual(hc.IpcMode, 'host');
      assert.equal(hc.UTSMode, '');
    }
  });

  test('no container sees the Docker socket or any host path', async () => {
    const ids = docker('ps', '-aq', '--filter', `label=berth.app=${A}`).split('\n').concat(docker('ps', '-aq', '--filter', `label=berth.app=${B}`).split('\n')).filter(Boolean);
    assert.ok(ids.length >= 2);
    for (const id of ids) {
      const info = inspect(id);
      assert.deepEqual((info.Mounts as { Type: string }[]).filter((m) => m.Type === 'bind'), [], `bind mounts of ${info.Name}`);
      assert.ok(!JSON.stringify(info.Mounts).includes('docker.sock'));
    }
    for (const app of [A, B]) {
      assert.equal(await probe(app, '/exists?path=/var/run/docker.sock'), 'no');
      assert.equal(await probe(app, '/exists?path=/run/docker.sock'), 'no');
    }
  });

  test('a build-time bind mount of "/" is the build context, not the host', async () => {
    const listing = (await probe(A, '/read?path=/build-mount-listing')).split('\n');
    assert.ok(listing.includes('probe.py') && listing.includes('Dockerfile'), listing.join(' '));
    assert.ok(!listing.includes('proc') && !listing.includes('etc'), listing.join(' '));
    const hostName = (await readFile('/etc/hostname', 'utf8')).trim();
    assert.notEqual((await probe(A, '/read?path=/build-mount-hostname')).trim(), hostName);
  });

  test('a `run` one-off gets the same walls and limits', async () => {
    const tryTcp = (host: string, port: number, label: string) =>
      `timeout 3 bash -c 'exec 3<>/dev/tcp/${host}/${port}' 2>/dev/null && echo ${label}-OPEN || echo ${label}-CLOSED`;
    const script = [
      "grep -E '^(NoNewPrivs|CapEff)' /proc/self/status",
      'echo pids=$(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max)',
      tryTcp(gateway, berth.apiPort, 'API'), tryTcp(ipOf(b), 5000, 'B'), tryTcp(gateway, berth.routerPort, 'ROUTER'),
    ].join('; ');
    const res = await sse(berth.apiPort, berth.token, 'POST', `/apps/${A}/run`, { command: ['bash', '-c', script] });
    const out = res.events.filter((e) => e.event === 'message').map((e) => e.data.text).join('');
    assert.deepEqual(res.events.at(-1), { event: 'exit', data: { code: 0 } }, out);
    assert.match(out, /^NoNewPrivs:\s+1$/m);
    assert.match(out, /^CapEff:\s+00000000000005fb$/m);
    assert.match(out, /^pids=200$/m);
    assert.match(out, /API-CLOSED/);
    assert.match(out, /B-CLOSED/);
    assert.match(out, /ROUTER-OPEN/);
  });

  describe('Dockerfile escapes at build time are refused', () => {
    const base = 'FROM berth/stack:bookworm\n';
    const cases: [string, string, RegExp][] = [
      ['RUN --network=host', `${base}RUN --network=host cat /proc/net/dev\n`, /never get host networking/],
      ['RUN --security=insecure', `${base}RUN --security=insecure cat /proc/self/status\n`, /never get privileged build steps/],
      ['a # syntax= frontend (labs flags)', `# syntax=docker/dockerfile:1-labs\n${base}RUN --network=host --security=insecure true\n`, /frontend image cannot be pulled/],
    ];
    for (const [what, dockerfile, message] of cases) {
      test(what, async () => {
        const app = name('x');
        apps.push(app);
        const res = await push(await probeRepo(true, dockerfile), berth.remote(app));
        assert.notEqual(res.code, 0, res.output);
        assert.match(res.output, / ! {5}/);
        assert.match(res.output, message, res.output);
        assert.doesNotMatch(res.output, /docker0|eth0:/);
      });
    }

    test('a bind mount with a path out of the context stays in the context', async () => {
      const app = name('m');
      apps.push(app);
      const hostName = (await readFile('/etc/hostname', 'utf8')).trim();
      const res = await push(await probeRepo(true, `${base}RUN --mount=type=bind,source=../../../../etc,target=/h cat /h/hostname | sed 's/^/HOSTFILE:/'\n`), berth.remote(app));
      assert.doesNotMatch(res.output, new RegExp(`HOSTFILE:${hostName}`), res.output);
    });
  });

  test('apps:destroy removes the app network', async () => {
    docker('network', 'inspect', `berth-app-${B}`); // there before
    const res = await api(berth.apiPort, berth.token, 'DELETE', `/apps/${B}?confirm=${B}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.throws(() => docker('network', 'inspect', `berth-app-${B}`));
  });
});
