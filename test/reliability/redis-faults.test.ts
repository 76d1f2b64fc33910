// Redis faults (issue 13, item 3), against one real server with its
// embedded redis-server: a kill -9 of that redis-server, and the same
// server stopped (SIGSTOP) for 30 s, so that it holds its socket but answers
// nothing, as an unreachable Redis does. Through each, a client loop runs
// against a deployed app through the router and counts failed requests;
// after each, nothing stored (apps, releases, config) may be lost, the
// streams that were open (a `logs -t`) go on, and a build queued before the
// fault runs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, push, sampleRepo } from '../helpers/git.js';
import { api } from '../helpers/api.js';
import { viaRouter } from '../helpers/http.js';
import { removeAppObjects } from '../helpers/docker.js';
import { startClientLoop, storedState, waitFor, type Stored } from './fault-kit.js';

const DOMAIN = 'berth.test';
const APP = `rf-${randomBytes(3).toString('hex')}`;

/** The embedded redis-server's pid, asked of it over its socket (0 if it does not answer). */
function redisPid(dataDir: string): Promise<number> {
  return new Promise((resolve) => {
    const s = net.connect(path.join(dataDir, 'redis', 'redis.sock'));
    let text = '';
    const done = (pid: number) => { s.destroy(); resolve(pid); };
    s.setTimeout(1000, () => done(0));
    s.on('error', () => done(0));
    s.on('connect', () => s.write('INFO server\r\n'));
    s.on('data', (d) => {
      text += d;
      const m = /process_id:(\d+)/.exec(text);
      if (m) done(Number(m[1]));
    });
  });
}

/** Pids of the redis-servers on this data dir's socket (redis-server names its socket in its process title). */
function redisServers(dataDir: string): number[] {
  const sock = path.join(dataDir, 'redis', 'redis.sock');
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
    try { return readFileSync(`/proc/${n}/cmdline`, 'utf8').includes(sock); } catch { return false; }
  }).map(Number);
}

/** One request with its wall time; `timedOut` if no answer came within `ms`. */
async function timed(url: string, opts: RequestInit = {}, ms = 6000) {
  const t0 = Date.now();
  try {
    const res = await fetch(url, { ...opts, signal: AbortSignal.timeout(ms) });
    const text = await res.text();
    return { status: res.status, text, ms: Date.now() - t0, timedOut: false };
  } catch {
    return { status: 0, text: '', ms: Date.now() - t0, timedOut: true };
  }
}

/** `git ls-remote` against the server: its exit code and output. */
function lsRemote(remote: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('git', ['ls-remote', remote], { timeout: 20_000, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

/** An open `logs -t` (SSE) whose lines a test can read as they come. */
function followLogs(berth: Berth, app: string) {
  const abort = new AbortController();
  const lines: string[] = [];
  const done = (async () => {
    const res = await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1/apps/${app}/logs?tail=1&n=1`, {
      headers: { authorization: `Bearer ${berth.token}` }, signal: abort.signal,
    });
    let text = '';
    const reader = res.body!.getReader();
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      text += Buffer.from(value).toString('utf8');
      const blocks = text.split('\n\n');
      text = blocks.pop() ?? '';
      for (const b of blocks) {
        const data = /^data: (.*)$/m.exec(b)?.[1];
        if (data && !/^event: /m.test(b)) lines.push((JSON.parse(data) as { line: string }).line);
      }
    }
  })().catch(() => {});
  return { lines, async close() { abort.abort(); await done; } };
}

describe('Redis faults', { timeout: 600_000 }, () => {
  let berth: Berth;
  let repo: string;
  let before0: Stored;
  const host = `${APP}.${DOMAIN}`;
  const call = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);
  const healthz = () => timed(`http://127.0.0.1:${berth.apiPort}/healthz`);
  const redisUp = async () => (await healthz()).status === 200;

  before(async () => {
    berth = await startBerth({ BERTH_DOMAIN: DOMAIN });
    repo = await sampleRepo('dockerfile-hello');
    const first = await push(repo, berth.remote(APP));
    assert.equal(first.code, 0, first.output);
    const set = await call('PUT', `/apps/${APP}/config`, { vars: { GREETING: 'hola' } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    before0 = await storedState(berth.apiPort, berth.token, APP);
    assert.equal(before0.releases.length, 2);
  });

  after(async () => {
    await berth?.destroy();
    removeAppObjects([APP]);
  });

  test('kill -9 of the embedded redis-server: restarted within seconds; no failed request, nothing lost, streams go on', async () => {
    const pid = await redisPid(berth.dataDir);
    assert.ok(pid > 0, 'the embedded redis-server answers INFO');
    const loop = startClientLoop(berth.routerPort, host);
    const logs = followLogs(berth, APP);
    await waitFor('the log stream to open', 15_000, async () => { await viaRouter(berth.routerPort, host, '/before-kill'); return logs.lines.some((l) => l.includes('/before-kill')); });

    process.kill(pid, 'SIGKILL');
    // While it is away, every readiness check gets an answer (200 or 503), none hangs.
    const checks: Awaited<ReturnType<typeof healthz>>[] = [];
    let newPid = 0;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      checks.push(await healthz());
      newPid = await redisPid(berth.dataDir);
      if (newPid && newPid !== pid && checks[checks.length - 1]!.status === 200) break;
      await sleep(100);
    }
    assert.ok(newPid > 0 && newPid !== pid, `a new redis-server runs (old pid ${pid}, now ${newPid})\n${berth.output().slice(-2000)}`);
    assert.deepEqual(checks.filter((c) => c.timedOut), [], 'no /healthz request hung');
    assert.match(berth.output(), /embedded redis-server exited \(SIGKILL\); restarting it/);
    assert.match(berth.output(), /embedded redis-server restarted \(pid \d+\)/);

    assert.deepEqual(await storedState(berth.apiPort, berth.token, APP), before0, 'apps, releases and config survive (AOF)');
    // The open `logs -t` resumes by itself: a line written after the restart reaches it.
    await waitFor('a log line written after the restart', 30_000, async () => {
      await viaRouter(berth.routerPort, host, '/after-kill');
      return logs.lines.some((l) => l.includes('/after-kill'));
    });
    await logs.close();
    // Some traffic after the restart too, on the router's reconnected subscription.
    const okNow = loop.ok;
    await waitFor('more requests through the router', 60_000, async () => loop.ok > okNow + 30);
    const r = await loop.stop();
    assert.equal(r.failed, 0, `requests failed: ${r.failed} of ${r.ok + r.failed}\n${r.failures.join('\n')}`);
    const down = checks.filter((c) => c.status === 503).length;
    console.log(`# kill -9 redis-server: requests failed: 0 of ${r.ok}; /healthz said 503 ${down} time(s), slowest ${Math.max(...checks.map((c) => c.ms))} ms`);
  });

  test('only the server restarts redis-server: with the server frozen, the router process starts none of its own', async () => {
    const pid = await redisPid(berth.dataDir);
    const server = berth.pid()!;
    const loop = startClientLoop(berth.routerPort, host);
    process.kill(server, 'SIGSTOP');
    try {
      process.kill(pid, 'SIGKILL');
      // Longer than the reused-server watch interval (1 s): a second supervisor would have started one by now.
      await sleep(3000);
      assert.deepEqual(redisServers(berth.dataDir), [], 'no redis-server for this data dir while its server is frozen');
    } finally {
      process.kill(server, 'SIGCONT');
    }
    await waitFor('/healthz to say 200 again', 30_000, redisUp);
    await sleep(1500);
    assert.equal(redisServers(berth.dataDir).length, 1, 'exactly one redis-server for this data dir');
    assert.deepEqual(await storedState(berth.apiPort, berth.token, APP), before0, 'apps, releases and config survive (AOF)');
    const r = await loop.stop();
    assert.equal(r.failed, 0, `requests failed: ${r.failed} of ${r.ok + r.failed}\n${r.failures.join('\n')}`);
  });

  test('a push after the restart builds and goes live: the build worker and the route subscription survived', async () => {
    await commitFile(repo, 'message.txt', 'after the redis restart\n');
    const p = await push(repo, berth.remote(APP));
    assert.equal(p.code, 0, p.output);
    await waitFor('the router to serve the new release', 30_000, async () =>
      (await viaRouter(berth.routerPort, host)).body.includes('after the redis restart'));
    before0 = await storedState(berth.apiPort, berth.token, APP);
    assert.equal(before0.releases.length, 3);
  });

  test('Redis unreachable for 30 s: the API, /healthz and git say 503 at once; the router serves; a queued build runs afterwards', async () => {
    const pid = await redisPid(berth.dataDir);
    assert.ok(pid > 0);
    const loop = startClientLoop(berth.routerPort, host);
    // A build in the queue when Redis goes away.
    const builds0 = (await call('GET', `/apps/${APP}/builds`)).body.builds.length as number;
    await commitFile(repo, 'message.txt', 'built across the outage\n');
    const pushing = push(repo, berth.remote(APP));
    await waitFor('the build to be queued', 60_000, async () => (await call('GET', `/apps/${APP}/builds`)).body.builds.length > builds0);

    process.kill(pid, 'SIGSTOP');
    let resumed = false;
    const resume = () => { if (!resumed) { resumed = true; process.kill(pid, 'SIGCONT'); } };
    try {
      const stoppedAt = Date.now();
      // The probe notices within a few seconds; from then on every answer is a quick 503.
      await waitFor('/healthz to say 503', 15_000, async () => (await healthz()).status === 503);
      const seen = { healthz: 0, api: 0, git: 0 };
      while (Date.now() - stoppedAt < 30_000) {
        const h = await healthz();
        assert.equal(h.status, 503, `healthz: ${h.status} ${h.text}`);
        assert.equal(JSON.parse(h.text).redis, false);
        seen.healthz++;
        const a = await timed(`http://127.0.0.1:${berth.apiPort}/api/v1/apps`, { headers: { authorization: `Bearer ${berth.token}` } });
        assert.equal(a.status, 503, `api: ${a.status} ${a.text}`);
        const body = JSON.parse(a.text);
        assert.equal(body.error.code, 'redis_unavailable');
        assert.match(body.error.message, /Redis is not answering/);
        assert.ok(body.error.hint, 'the 503 says what to do');
        seen.api++;
        if (seen.git === 0) {
          const g = await lsRemote(berth.remote(APP));
          assert.notEqual(g.code, 0);
          assert.match(g.output, /Redis is not answering|503/, g.output);
          seen.git++;
        }
        await sleep(1000);
      }
      assert.ok(seen.healthz >= 5 && seen.api >= 5, JSON.stringify(seen));
    } finally {
      resume();
    }

    await waitFor('/healthz to say 200 again', 30_000, redisUp);
    const p = await pushing;
    await waitFor('the build queued before the outage to go live', 120_000, async () =>
      (await viaRouter(berth.routerPort, host)).body.includes('built across the outage'));
    const now = await storedState(berth.apiPort, berth.token, APP);
    assert.deepEqual(now.apps, before0.apps);
    assert.deepEqual(now.config, before0.config);
    assert.deepEqual(now.releases.slice(1), before0.releases.map((r) => ({ ...(r as object), current: false })), 'every earlier release is still there');
    assert.equal((now.releases[0] as { version: number }).version, 4, p.output);
    const r = await loop.stop();
    assert.equal(r.failed, 0, `requests failed: ${r.failed} of ${r.ok + r.failed}\n${r.failures.join('\n')}`);
    console.log(`# redis stopped 30 s: requests failed: 0 of ${r.ok}; push exit ${p.code}`);
  });
});
