// A dockerd restart (issue 13, item 3), on a private Docker engine of this
// test's own (test/helpers/second-engine.ts), never the machine's: Berth
// runs with DOCKER_HOST on it, serves one Dockerfile app, and the engine's
// dockerd is restarted under a client loop. Docker's restart policy brings
// the container back; Berth must reopen its event stream, re-list what runs
// and put the route back within seconds (it used to answer 503 until Berth
// itself was restarted). The requests that fail are the ones made while the
// container itself was down; from the moment the app answers again, none.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, git, push, sampleRepo } from '../helpers/git.js';
import { viaRouter } from '../helpers/http.js';
import { api } from '../helpers/api.js';
import { privateEnginesSupported, startEngine, type SecondEngine } from '../helpers/second-engine.js';
import { startClientLoop, storedState, waitFor, type Stored } from './fault-kit.js';

const DOMAIN = 'berth.test';
const APP = `dr-${randomBytes(3).toString('hex')}`;
const skip = privateEnginesSupported();

describe('dockerd restart', { timeout: 600_000, skip }, () => {
  let engine: SecondEngine;
  let berth: Berth;
  let repo: string;
  let pool = '';
  let stored: Stored;
  const host = `${APP}.${DOMAIN}`;
  const webIp = () => engine.docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
    engine.docker('ps', '-q', '--filter', `label=berth.app=${APP}`, '--filter', 'label=berth.role=web'));

  /** How many lines of the web process in the app log contain `text`. */
  const webLines = async (text: string) => {
    const res = await api(berth.apiPort, berth.token, 'GET', `/apps/${APP}/logs?n=2000`);
    return (res.body.lines as { process: string; line: string }[]).filter((l) => l.process.startsWith('web') && l.line.includes(text)).length;
  };

  before(async () => {
    engine = await startEngine({ images: ['berth/stack:bookworm'] });
    // The engine's app networks live in its own network namespace: route the
    // host to them through its veth, and let that veth forward into them
    // (Docker only lets published ports in from outside).
    pool = `10.234.${engine.index}.0/24`;
    execFileSync('ip', ['route', 'replace', pool, 'via', engine.address]);
    execFileSync('nsenter', [`--net=/var/run/netns/${engine.name}`, 'iptables', '-I', 'DOCKER-USER', '-i', `bse${engine.index}n`, '-j', 'ACCEPT']);
    berth = await startBerth({ BERTH_DOMAIN: DOMAIN, ...engine.env, BERTH_APP_FIREWALL: 'off', BERTH_APP_NETWORK_POOL: pool });
    // The sample app on the small run image, the only one loaded into the engine.
    repo = await sampleRepo('dockerfile-hello');
    const dockerfile = path.join(repo, 'Dockerfile');
    await writeFile(dockerfile, (await readFile(dockerfile, 'utf8')).replace('berth/stack:bookworm-build', 'berth/stack:bookworm'));
    git(repo, 'commit', '-qam', 'run image');
    const p = await push(repo, berth.remote(APP));
    assert.equal(p.code, 0, p.output);
    assert.equal((await viaRouter(berth.routerPort, host)).status, 200);
    stored = await storedState(berth.apiPort, berth.token, APP);
  });

  after(async () => {
    await berth?.destroy();
    await engine?.stop();
    if (pool) { try { execFileSync('ip', ['route', 'del', pool], { stdio: 'ignore' }); } catch { /* gone with the veth */ } }
  });

  test('the app comes back and its route follows within seconds; nothing stored is lost', async () => {
    const ipBefore = webIp();
    await viaRouter(berth.routerPort, host, '/before-restart');
    await waitFor('the app log to hold the request', 30_000, async () => (await webLines('/before-restart')) === 1);
    const loop = startClientLoop(berth.routerPort, host);
    await sleep(1000);
    const t0 = Date.now();
    await engine.restart();
    const dockerBack = Date.now();
    let answered = 0;
    await waitFor('the app to answer through the router again', 60_000, async () => {
      const ok = (await viaRouter(berth.routerPort, host)).status === 200;
      if (ok) answered = Date.now();
      return ok;
    });
    // From then on the loop must see no failure.
    const okThen = loop.ok;
    await waitFor('more requests through the router', 60_000, async () => loop.ok > okThen + 50);
    const r = await loop.stop();
    assert.ok(r.lastFailureAt <= answered, `a request failed ${r.lastFailureAt - answered} ms after the app answered again:\n${r.failures.join('\n')}`);
    assert.match(berth.output(), /docker events: .*reopening/);
    assert.match(berth.output(), /docker events: reopened; re-listing containers/);
    assert.deepEqual(await storedState(berth.apiPort, berth.token, APP), stored, 'apps, releases and config are untouched');
    // The app log follows the restarted container, and does not copy what it had already.
    await waitFor('a request after the restart in the app log', 30_000, async () => {
      await viaRouter(berth.routerPort, host, '/after-restart');
      return (await webLines('/after-restart')) > 0;
    });
    assert.equal(await webLines('/before-restart'), 1, 'a line from before the restart is in the app log once');
    console.log(`# dockerd restart: dockerd back after ${dockerBack - t0} ms, app answered ${answered - dockerBack} ms later `
      + `(ip ${ipBefore} -> ${webIp()}); requests failed: ${r.failed} of ${r.ok + r.failed}, all while the container was down`);
  });

  test('a push after the restart deploys on the restarted engine', async () => {
    await commitFile(repo, 'message.txt', 'after the dockerd restart\n');
    const p = await push(repo, berth.remote(APP));
    assert.equal(p.code, 0, p.output);
    await waitFor('the new release through the router', 30_000, async () =>
      (await viaRouter(berth.routerPort, host)).body.includes('after the dockerd restart'));
  });
});
