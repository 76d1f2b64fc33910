// The hostile input corpus (issue 13, item 5): a table of bad inputs, one
// file per class in fixtures/corpus/, run against one real server with a
// deployed Dockerfile app (fixtures/corpus-echo, which records every request
// the router lets through) and a buildpack app. Each case must get a clear
// 4xx or a refused push that says what is wrong, and change nothing: the
// API listings, the repos (and their refs) in the data dir, and the Docker
// containers, images and networks labelled for this run are snapshotted
// around every case; router cases also ask the app what it saw (nothing).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { ROOT, freePort, startBerth, type Berth } from '../helpers/berth.js';
import { git, push, sampleRepo } from '../helpers/git.js';
import { basic, rawRequest, type RawOutcome } from '../helpers/git-http.js';
import { labelledContainers, removeAppObjects } from '../helpers/docker.js';
import { viaRouter } from '../helpers/http.js';
import type { Answer, CaseClass, Sender } from './fixtures/corpus/types.js';
import { appNames } from './fixtures/corpus/app-names.js';
import { gitUrls } from './fixtures/corpus/git-urls.js';
import { gitBodies } from './fixtures/corpus/git-bodies.js';
import { manifests } from './fixtures/corpus/manifests.js';
import { apiJson } from './fixtures/corpus/api-json.js';
import { configVars } from './fixtures/corpus/config-vars.js';
import { routerSmuggling } from './fixtures/corpus/router.js';
import { routerHttp2 } from './fixtures/corpus/router-http2.js';
import { dockerfileEscapes } from './fixtures/corpus/dockerfile-escapes.js';

const CLASSES: readonly CaseClass[] = [appNames, gitUrls, gitBodies, manifests, apiJson, configVars, routerSmuggling, routerHttp2, dockerfileEscapes];
const DOMAIN = 'berth.test';
const PREFIX = `hc${randomBytes(3).toString('hex')}`;
const DF = `${PREFIX}-df`;
const BP = `${PREFIX}-bp`;
const docker = new Docker();
const run = promisify(execFile);
// Names a case might trick Berth into creating, besides this run's own.
const BAIT = new Set(['api', 'git', 'healthz', 'etc', 'x', 'a', 'app', 'my-app', 'hc-extra']);
const ours = (app: string | undefined) => !!app && (app.startsWith(PREFIX) || BAIT.has(app) || !/^[a-z][a-z0-9-]*$/.test(app));

/** An answer's text: a JSON error's message and hint, a page without its markup, or the body. */
function textOf(body: Buffer): string {
  const s = body.toString('utf8');
  try {
    const e = (JSON.parse(s) as { error?: { message?: string; hint?: string } }).error;
    if (e) return `${e.message ?? ''} ${e.hint ?? ''}`;
  } catch { /* not JSON */ }
  if (!s.startsWith('<!doctype')) return s;
  return s.replace(/<[^>]*>/g, ' ').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const answerOf = (o: RawOutcome): Answer =>
  'status' in o ? { kind: 'http', status: o.status, text: textOf(o.body) } : 'closed' in o ? { kind: 'closed', text: o.closed } : { kind: 'timeout', text: '' };

/** Raw bytes to a port; the answer is the first response (the router closes after a refusal). */
function socketAnswer(port: number, bytes: string | Buffer, timeoutMs = 10_000): Promise<Answer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', () => s.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes));
    const timer = setTimeout(() => { s.destroy(); finish(true); }, timeoutMs);
    function finish(timedOut = false) {
      clearTimeout(timer);
      const got = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(got);
      if (m) resolve({ kind: 'http', status: Number(m[1]), text: textOf(Buffer.from(m[3]!, 'latin1')) });
      else resolve({ kind: timedOut ? 'timeout' : 'closed', text: got.slice(0, 200) });
    }
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', () => {});
    s.on('close', () => finish());
  });
}

/** A repo of `dir`'s files, committed on main; returns [repo, commit]. */
async function repoOf(src: string): Promise<[string, string]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-corpus-'));
  await cp(src, dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'good');
  return [dir, git(dir, 'rev-parse', 'HEAD').trim()];
}

describe('hostile input corpus', { timeout: 900_000 }, () => {
  let berth: Berth;
  let pid: number | undefined;
  let dfRepo: string;
  let dfGood: string;
  let bpRepo: string;
  let bpGood: string;
  const tally = new Map<string, { cases: number; refused: number }>();
  let last: Snapshot | undefined;
  const apiJsonOf = async (p: string) => {
    const res = await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1${p}`, { headers: { authorization: `Bearer ${berth.token}` } });
    return res.json() as Promise<any>;
  };

  async function pushFiles(repo: string, good: string, app: string, files: Record<string, string | Buffer | null>): Promise<Answer> {
    git(repo, 'reset', '-q', '--hard', good);
    git(repo, 'clean', '-qfdx');
    for (const [name, content] of Object.entries(files)) {
      if (content === null) await rm(path.join(repo, name), { force: true });
      else await writeFile(path.join(repo, name), content);
    }
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', `corpus: ${Object.keys(files).join(' ')}`);
    const res = await push(repo, berth.remote(app), 'main', '--force');
    return { kind: 'push', ...res };
  }

  const sender = (): Sender => ({
    dockerfileApp: DF, buildpackApp: BP, domain: DOMAIN, token: berth.token,
    api: async (method, p, body, headers = {}) => answerOf(await rawRequest(berth.apiPort, {
      method, path: p, body, headers: { authorization: `Bearer ${berth.token}`, ...headers },
    })),
    json: async (method, p, value) => answerOf(await rawRequest(berth.apiPort, {
      method, path: `/api/v1${p}`, body: JSON.stringify(value), headers: { authorization: `Bearer ${berth.token}`, 'content-type': 'application/json' },
    })),
    git: async (method, p, body, headers = {}) => answerOf(await rawRequest(berth.apiPort, {
      method, path: p, body, headers: { authorization: basic(berth.token), ...headers },
    })),
    router: (bytes) => socketAnswer(berth.routerPort, bytes),
    routerTlsPort: Number(berth.env.BERTH_ROUTER_TLS_PORT),
    pushDockerfile: (files) => pushFiles(dfRepo, dfGood, DF, files),
    pushBuildpack: (files) => pushFiles(bpRepo, bpGood, BP, files),
    pushTo: async (urlPath) => {
      git(dfRepo, 'reset', '-q', '--hard', dfGood);
      return { kind: 'push', ...(await push(dfRepo, `http://berth:${berth.token}@127.0.0.1:${berth.apiPort}${urlPath}`)) };
    },
  });

  /** Everything a refused input must leave as it was, read all at once. */
  async function snapshot() {
    const perApp = async (app: string) => {
      const [releases, config, domains, ps, resources] = await Promise.all(['releases', 'config', 'domains', 'ps', 'resources'].map((r) => apiJsonOf(`/apps/${app}/${r}`)));
      return { releases: releases.releases.map((r: { version: number }) => r.version), config: config.config, domains, formation: ps.formation, resources };
    };
    const reposDir = path.join(berth.dataDir, 'repos');
    const repos = readdirSync(reposDir).sort();
    const refsOf = async (r: string) => [r, (await run('git', ['--git-dir', path.join(reposDir, r), 'for-each-ref'])).stdout] as const;
    const filter = { label: ['berth.app'] };
    const [apps, df, bp, refs, containers, images, networks] = await Promise.all([
      apiJsonOf('/apps').then((b) => (b.apps as { name: string }[]).map((a) => a.name).sort()),
      perApp(DF), perApp(BP),
      Promise.all(repos.map(refsOf)).then(Object.fromEntries),
      docker.listContainers({ all: true, filters: filter }).then((cs) => cs.filter((c) => ours(c.Labels['berth.app']))
        .map((c) => `${c.Id.slice(0, 12)} ${c.Labels['berth.app']} ${c.State}`).sort()),
      docker.listImages({ all: true, filters: filter }).then((is) => is.filter((i) => ours(i.Labels?.['berth.app']))
        .map((i) => `${i.Id.slice(7, 19)} ${(i.RepoTags ?? []).join(',')}`).sort()),
      docker.listNetworks({ filters: filter }).then((ns) => ns.filter((n) => ours(n.Labels?.['berth.app'])).map((n) => n.Name).sort()),
    ]);
    const incoming = path.join(berth.dataDir, 'git-incoming');
    return { apps, perApp: { [DF]: df, [BP]: bp }, repos, refs, incoming: existsSync(incoming) ? readdirSync(incoming) : [], containers, images, networks };
  }
  type Snapshot = Awaited<ReturnType<typeof snapshot>>;

  /** What the echo app behind the router has seen since the last call. */
  async function seenByApp(): Promise<unknown[]> {
    const r = await viaRouter(berth.routerPort, `${DF}.${DOMAIN}`, '/__seen', 15_000);
    assert.equal(r.status, 200, r.body);
    return JSON.parse(r.body) as unknown[];
  }

  before(async () => {
    berth = await startBerth({
      BERTH_DOMAIN: DOMAIN, BERTH_MAX_PUSH_MB: '2', BERTH_BUILD_CONCURRENCY: '1', BERTH_BUILD_MEMORY_MB: '512',
      BERTH_GIT_RECEIVE_TIMEOUT_SEC: '5', BERTH_API_BODY_TIMEOUT_SEC: '5', BERTH_AUTH_FAIL_LIMIT: '1000000',
      BERTH_ROUTER_TLS_PORT: String(await freePort()),
    });
    pid = berth.pid();
    [dfRepo, dfGood] = await repoOf(path.join(ROOT, 'test/reliability/fixtures/corpus-echo'));
    const res = await push(dfRepo, berth.remote(DF));
    assert.equal(res.code, 0, res.output);
    bpRepo = await sampleRepo('procfile-worker');
    bpGood = git(bpRepo, 'rev-parse', 'HEAD').trim();
    const created = await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1/apps`, {
      method: 'POST', headers: { authorization: `Bearer ${berth.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: BP }),
    });
    assert.equal(created.status, 201);
    // Its repo, from a push of a branch that does not deploy: the first push to a known app makes the repo dir.
    const side = await push(bpRepo, berth.remote(BP), 'main:side');
    assert.equal(side.code, 0, side.output);
    for (let i = 0; i < 200 && labelledContainers(DF, false).length !== 1; i++) await sleep(100);
    await seenByApp();
  });

  after(async () => {
    const lines = [...tally].map(([k, v]) => `${k}: ${v.refused}/${v.cases}`);
    console.log(`hostile corpus: ${[...tally.values()].reduce((n, v) => n + v.cases, 0)} cases; refused with no side effect: ${lines.join('; ')}`);
    await berth?.destroy();
    removeAppObjects([DF, BP]);
    for (const d of [dfRepo, bpRepo]) if (d) await rm(d, { recursive: true, force: true });
  });

  for (const cls of CLASSES) {
    describe(cls.name, () => {
      for (const c of cls.cases) {
        test(c.name, async (tc) => {
          const t = tally.get(cls.name) ?? { cases: 0, refused: 0 };
          tally.set(cls.name, t);
          t.cases++;
          const s = sender();
          // A passed case leaves the state as it found it: its after is the next case's before.
          const before = last ?? await snapshot();
          last = undefined;
          const a = await c.send(s);
          // The answer itself, in the TAP output, so a reader can judge every message.
          tc.diagnostic(a.kind === 'push' ? `push ${a.code}: ${a.output.split('\n').filter((l) => / ! {5}|remote: berth|fatal|rejected/.test(l)).slice(0, 3).join(' | ')}` : `${a.kind} ${'status' in a ? a.status : ''}: ${a.text.trim().replace(/\s+/g, ' ').slice(0, 300)}`);
          if (a.kind === 'http') {
            assert.ok(a.status >= 400 && a.status < 500, `a 4xx, not ${a.status}: ${a.text.slice(0, 300)}`);
            if (c.status) assert.equal(a.status, c.status, a.text.slice(0, 300));
            assert.match(a.text, c.says);
          } else if (a.kind === 'push') {
            assert.notEqual(a.code, 0, `the push was refused:\n${a.output}`);
            assert.match(a.output, c.says);
            // The reason as git shows it: a ` !     ` line of the hook, a refusal of the URL (`remote: berth: `), or git's own.
            assert.match(a.output, / ! {5}|\[remote rejected\]|remote: berth: |pack exceeds maximum allowed size/, a.output);
            assert.doesNotMatch(a.output, /internal error|Created release/, a.output);
          } else if (a.kind === 'refused') assert.match(a.text, c.says);
          else assert.fail(`no answer (${a.kind}): ${a.text}`);
          if (cls === routerSmuggling || cls === routerHttp2) assert.deepEqual(await seenByApp(), [], 'the app saw no request');
          const now = await snapshot();
          assert.deepEqual(now, before, 'nothing changed');
          last = now;
          t.refused++;
        });
      }
    });
  }

  test('run-time escapes: an image claiming Berth labels and a host volume, app.json asking for privileges, deploys with none of it', async () => {
    const res = await sender().pushDockerfile({
      Dockerfile: `FROM berth/stack:bookworm\nWORKDIR /app\nCOPY echo.py ./\nLABEL berth.app=${BP} berth.role=build berth.release=v999 berth.process=worker\n`
        + 'VOLUME /var/run\nENV PYTHONUNBUFFERED=1\nCMD ["python3", "/app/echo.py"]\n',
      // Keys Heroku and Dokku do not define are ignored (app.json.ts); none of them reaches Docker.
      'app.json': JSON.stringify({ privileged: true, network_mode: 'host', pid: 'host', volumes: ['/var/run/docker.sock:/var/run/docker.sock'], cap_add: ['SYS_ADMIN'] }),
    });
    assert.equal(res.kind === 'push' && res.code, 0, res.kind === 'push' ? res.output : '');
    last = undefined;
    let id = '';
    for (let i = 0; i < 200; i++) {
      const web = await docker.listContainers({ filters: { label: [`berth.app=${DF}`, 'berth.role=web'] } });
      const v2 = web.filter((c) => c.Labels['berth.release'] !== 'v1');
      // v1 stands by through the watch after go-live (out of the route); v2 is the one serving.
      if (v2.length === 1) { id = v2[0]!.Id; break; }
      await sleep(100);
    }
    assert.ok(id, 'the new release runs, in one container');
    const info = await docker.getContainer(id).inspect();
    const hc = info.HostConfig;
    assert.equal(hc.Privileged, false);
    assert.equal(hc.NetworkMode, `berth-app-${DF}`);
    assert.notEqual(hc.PidMode, 'host');
    assert.deepEqual(hc.CapAdd ?? [], []);
    assert.ok(hc.SecurityOpt?.includes('no-new-privileges'));
    assert.deepEqual(info.Mounts.filter((m) => m.Type === 'bind'), [], 'no bind mounts');
    assert.ok(!JSON.stringify(info.Mounts).includes('docker.sock'));
    assert.equal(info.Config.Labels['berth.app'], DF, 'Berth\'s labels win over the image\'s');
    assert.equal(info.Config.Labels['berth.role'], 'web');
    assert.deepEqual(labelledContainers(BP), [], 'nothing runs under the other app\'s name');
    assert.equal((await viaRouter(berth.routerPort, `${DF}.${DOMAIN}`, '/')).body, 'echo');
  });

  test('the server lived through it all: same process, nothing caught by its last-resort guard', async () => {
    const health = await fetch(`http://127.0.0.1:${berth.apiPort}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(berth.pid(), pid);
    assert.equal(((await health.json()) as { uncaught: number }).uncaught, 0, berth.output().split('\n').filter((l) => l.includes('BUG')).join('\n'));
    assert.equal((await viaRouter(berth.routerPort, `${DF}.${DOMAIN}`, '/')).body, 'echo');
  });
});
