// The supervisor and the route table (issue 9, item 11: the router answered
// 503 "no running web processes" while ps showed web.1 running). A web
// process that Docker restarts is "running" well before it listens again,
// and no Docker event says when it starts to. Real Docker, a real
// supervisor, a real Redis and a real router.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/index.js';
import { createDocker } from '../../src/docker/client.js';
import { inspectContainer, runContainer, stopAndRemove } from '../../src/docker/containers.js';
import { berthLabels } from '../../src/docker/labels.js';
import { startRouter, type RunningRouter } from '../../src/router/index.js';
import { startSupervisor, type Supervisor } from '../../src/runtime/docker-local/supervisor.js';
import { servingUpstreams } from '../../src/runtime/docker-local/routes.js';
import type { AppName } from '../../src/shared/app-name.js';
import type { Release } from '../../src/shared/types.js';
import { appDeployLease, tryLease } from '../../src/store/locks.js';
import { getRoute, setRoute, setRouteUnlessLeased } from '../../src/store/routes.js';
import { eventually, randomApp, request, startTestRedis, type TestRedis } from './helpers.js';

const DOMAIN = 'berth.test';
const PORT = 5000;

// First boot: serve, then crash after 2 s. After Docker's restart: take 5 s
// before listening (longer than any delay of Docker's events here), as a real app's boot does. The marker survives the restart.
const FLAKY_WEB = `exec python3 -c '
import http.server, os, threading, time
marker = "/tmp/booted-once"
if os.path.exists(marker):
    time.sleep(5)
else:
    open(marker, "w").close()
    threading.Timer(2.0, lambda: os._exit(1)).start()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"up"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("", int(os.environ["PORT"])), H).serve_forever()
'`;

let redis: TestRedis;
let router: RunningRouter;
let supervisor: Supervisor | undefined;
const dataDir = mkdtempSync(path.join(tmpdir(), 'berth-supervisor-'));
const config = loadConfig({ BERTH_DATA_DIR: dataDir });
const docker = createDocker(config);
const containers: string[] = [];

before(async () => {
  redis = await startTestRedis();
  router = await startRouter({ redis: redis.handle, domain: DOMAIN, port: 0, host: '127.0.0.1', upstreamTimeoutMs: 2000, log: () => {} });
});

after(async () => {
  supervisor?.close();
  await Promise.all(containers.map((id) => stopAndRemove(docker, id, 0).catch(() => {})));
  await router?.close();
  await redis?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('supervisor and routes', () => {
  test('a web process restarted by Docker gets its route back once it listens again, however long its boot takes', async () => {
    const app = randomApp() as AppName;
    const host = `${app}.${DOMAIN}`;
    const release = {
      app, version: 1, image: 'berth/stack:bookworm', config: {}, processTypes: { web: FLAKY_WEB }, port: PORT,
      description: 'test', createdAt: Date.now(), status: 'live',
    } as Release;
    supervisor = await startSupervisor({ docker, redis: redis.handle, config }, {
      currentRelease: async (a) => (a === app ? release : undefined),
      knows: async (a) => a === app,
    }, 100);
    const id = await runContainer(docker, {
      name: `berth-${app}-web-1-v1`, image: release.image, env: { PORT: String(PORT), DYNO: 'web.1' },
      labels: berthLabels(app, 'v1', 'web', 'web'), command: FLAKY_WEB, memoryBytes: 64 * 1024 * 1024,
    });
    containers.push(id);
    // What a deploy does: wait until it listens, then switch the route.
    let upstreams: string[] = [];
    for (let i = 0; i < 100 && upstreams.length === 0; i++) {
      upstreams = (await servingUpstreams({ docker, redis: redis.handle, config }, release)).upstreams;
      if (upstreams.length === 0) await sleep(20);
    }
    assert.equal(upstreams.length, 1, 'the web process listens');
    await setRoute(redis.handle, { app, upstreams, release: 'v1' });
    await router.synced(app);
    assert.equal((await request(router.port, host)).status, 200);

    // It crashes; while it is down or booting the router cannot serve it
    // (503 once the route is empty; a 502/504 first if Docker is slow to report) ...
    await eventually(router.port, host, (r) => r.status !== 200, 10_000);
    // ... and once it listens again, the router serves it again.
    const back = await eventually(router.port, host, (r) => r.status === 200, 20_000);
    assert.equal(back.body, 'up');
    assert.ok(((await inspectContainer(docker, id))?.restartCount ?? 0) >= 1, 'Docker restarted it');
    assert.deepEqual((await getRoute(redis.handle, app))?.upstreams.length, 1);
  });

  test('a route write outside a deploy is skipped while the deploy lease is held', async () => {
    const app = randomApp();
    await setRoute(redis.handle, { app, upstreams: ['10.0.0.1:5000'], release: 'v2' });
    const lease = await tryLease(redis.handle, appDeployLease(app), 5000);
    assert.ok(lease);
    assert.equal(await setRouteUnlessLeased(redis.handle, { app, upstreams: [], release: 'v1' }, appDeployLease(app)), false);
    assert.deepEqual((await getRoute(redis.handle, app))?.upstreams, ['10.0.0.1:5000']);
    await lease.release();
    assert.equal(await setRouteUnlessLeased(redis.handle, { app, upstreams: ['10.0.0.2:5000'], release: 'v2' }, appDeployLease(app)), true);
    await router.synced(app);
    assert.deepEqual((await getRoute(redis.handle, app))?.upstreams, ['10.0.0.2:5000']);
  });
});
