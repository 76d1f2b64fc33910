// Push to live, end to end, for either scheduler: real git, Docker, Redis
// and the real router. A first push goes live; a redeploy under a client
// loop fails no request; a failed build or a web process that never listens
// leaves the previous release serving; a server restart keeps the app
// routed without redeploying it. test/e2e/push-to-live.test.ts runs it on
// the local Docker engine, test/swarm/suites.test.ts on a two-node swarm.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, ROOT, type Berth } from '../helpers/berth.js';
import { commitFile, push, sampleRepo } from '../helpers/git.js';
import { LOOP_PAUSE_MS, viaRouter } from '../helpers/http.js';
import { api } from '../helpers/api.js';
import type { AppEngine } from '../helpers/app-engine.js';

const appName = () => `t-${randomBytes(4).toString('hex')}`;
interface Proc { name: string; type: string; state: string; release: string; startedAt: string }

export function describeDeploy(title: string, engineOf: () => AppEngine | Promise<AppEngine>, opts: { skip?: string } = {}): void {
  describe(title, { skip: opts.skip }, () => {
    let berth: Berth;
    let engine: AppEngine;
    const apps: string[] = [];
    const host = (app: string) => `${app}.localhost`;
    const ps = async (app: string): Promise<Proc[]> => (await api(berth.apiPort, berth.token, 'GET', `/apps/${app}/ps`)).body.processes;
    /** ps, asked again (for up to 10 s) until `settled` holds; then as it last was, for the assertion to show. */
    const psWhen = async (app: string, settled: (procs: Proc[]) => boolean): Promise<Proc[]> => {
      let procs = await ps(app);
      for (let i = 0; i < 50 && !settled(procs); i++) {
        await sleep(200);
        procs = await ps(app);
      }
      return procs;
    };

    before(async () => {
      engine = await engineOf();
      berth = await startBerth(engine.env);
    });
    after(async () => {
      await berth?.destroy();
      engine?.cleanup(apps);
      await engine?.stop();
    });

    test('first push builds, releases v1 and the app answers through the router; a redeploy under load fails no request', async () => {
      const app = appName(); apps.push(app);
      const repo = await sampleRepo('dockerfile-hello');
      const res = await push(repo, berth.remote(app));
      assert.equal(res.code, 0, res.output);
      assert.match(res.output, /remote: -----> Building .* from [0-9a-f]{7}/);
      assert.match(res.output, /remote: -----> Released v1/);
      assert.match(res.output, new RegExp(`http://${app}\\.localhost:${berth.routerPort} deployed to Berth`));
      const reply = await viaRouter(berth.routerPort, host(app));
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'Hello from Berth!\n');
      // The sample's own check script, as Dokku's check_deploy does.
      const checked = execFileSync(path.join(ROOT, 'apps/dockerfile-hello/check'), [`http://${app}.localhost:${berth.routerPort}`], { encoding: 'utf8' });
      assert.match(checked, /^ok:/);

      await commitFile(repo, 'message.txt', 'Hello again from Berth!\n');
      const seen = new Map<string, number>();
      let failures = 0;
      let stop = false;
      const loop = (async () => {
        while (!stop) {
          try {
            const r = await viaRouter(berth.routerPort, host(app));
            const key = r.status === 200 ? r.body : `status ${r.status}`;
            if (r.status !== 200) failures++;
            seen.set(key, (seen.get(key) ?? 0) + 1);
          } catch (err) {
            failures++;
            seen.set(String(err), (seen.get(String(err)) ?? 0) + 1);
          }
          await sleep(LOOP_PAUSE_MS);
        }
      })();
      const res2 = await push(repo, berth.remote(app));
      // Keep the loop going through the drain and stop of the old processes.
      await sleep(3000);
      stop = true;
      await loop;
      assert.equal(res2.code, 0, res2.output);
      assert.match(res2.output, /Released v2/);
      assert.equal(failures, 0, `failed requests during redeploy: ${JSON.stringify([...seen])}\n${berth.output()}`);
      assert.ok(seen.get('Hello from Berth!\n'), 'the old release served during the build');
      assert.ok(seen.get('Hello again from Berth!\n'), 'the new release served after the switch');
      assert.match(res2.output, /Watched for 60 s: .* v1 \(standing by\) takes the traffic back/);
      // v1 stands by through the watch after go-live, out of the route: the local engine's ps shows it as
      // standby (Swarm's standby is a service of its own, not a process of the app).
      const serving = <P extends { state: string }>(p: P[]) => p.filter((x) => x.state !== 'standby');
      const procs = await psWhen(app, (p) => serving(p).length === 1);
      assert.deepEqual(serving(procs).map((p) => [p.name, p.release, p.state]), [['web.1', 'v2', 'running']], 'only v2 runs once the old one is out of the route');
      assert.deepEqual(procs.filter((p) => p.state === 'standby').map((p) => p.release), engine.scheduler === 'swarm' ? [] : ['v1']);
    });

    test('a failing RUN step rejects the push and the previous release keeps serving', async () => {
      const app = appName(); apps.push(app);
      const repo = await sampleRepo('dockerfile-hello');
      assert.equal((await push(repo, berth.remote(app))).code, 0);
      await commitFile(repo, 'Dockerfile', 'FROM berth/stack:bookworm\nRUN echo about to fail && exit 3\n');
      const res = await push(repo, berth.remote(app));
      assert.notEqual(res.code, 0, res.output);
      assert.match(res.output, /remote: {8}about to fail/, "the failing step's own output is shown");
      assert.match(res.output, /remote: {2}! {5}the Docker build failed: .*exit code: 3/);
      assert.match(res.output, /pre-receive hook declined/);
      const reply = await viaRouter(berth.routerPort, host(app));
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'Hello from Berth!\n');
    });

    test('a web process that never listens fails the deploy; the old release keeps serving', async () => {
      const app = appName(); apps.push(app);
      const repo = await sampleRepo('dockerfile-hello');
      assert.equal((await push(repo, berth.remote(app))).code, 0);
      await commitFile(repo, 'Procfile', 'web: echo crashing on boot; exit 1\n');
      const res = await push(repo, berth.remote(app));
      assert.notEqual(res.code, 0, res.output);
      assert.match(res.output, /web\.1 exited with code 1 while booting/);
      assert.match(res.output, /crashing on boot/);
      assert.match(res.output, /the previous release keeps serving/);
      for (let i = 0; i < 10; i++) assert.equal((await viaRouter(berth.routerPort, host(app))).body, 'Hello from Berth!\n');
      const procs = await psWhen(app, (p) => p.length === 1 && p[0]!.state === 'running');
      assert.deepEqual(procs.map((p) => [p.name, p.release, p.state]), [['web.1', 'v1', 'running']], 'the failed release left nothing running');
    });

    test('a Procfile command runs through the image\'s ENTRYPOINT, as Dokku runs it (buildpack slugs start this way too)', async () => {
      const app = appName(); apps.push(app);
      const repo = await sampleRepo('dockerfile-hello');
      // The entrypoint sets what the command then sees, as a buildpack slug's .profile.d launcher puts node on PATH.
      await commitFile(repo, 'entry.sh', '#!/bin/sh\nexport FROM_ENTRYPOINT=yes\nexec "$@"\n');
      await commitFile(repo, 'Dockerfile', `${readFileSync(path.join(repo, 'Dockerfile'), 'utf8')}COPY entry.sh /entry.sh\nRUN chmod 755 /entry.sh\nENTRYPOINT ["/entry.sh"]\n`);
      await commitFile(repo, 'Procfile', 'web: python3 /app/server.py\n');
      const res = await push(repo, berth.remote(app));
      assert.equal(res.code, 0, res.output);
      assert.equal((await viaRouter(berth.routerPort, host(app), '/env/FROM_ENTRYPOINT')).body, 'yes');
    });

    test('a server restart keeps the app routed, with the same processes', async () => {
      const app = appName(); apps.push(app);
      const repo = await sampleRepo('dockerfile-hello');
      assert.equal((await push(repo, berth.remote(app))).code, 0);
      const before = await ps(app);
      await berth.stop();
      await berth.start();
      const reply = await viaRouter(berth.routerPort, host(app));
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'Hello from Berth!\n');
      assert.deepEqual((await ps(app)).map((p) => [p.name, p.startedAt]), before.map((p) => [p.name, p.startedAt]), 'nothing was redeployed');
    });
  });
}
