// runAndCommit (app.json's predeploy) against the real Docker Engine: the
// committed image keeps the source image's own config, the env given to the
// command never reaches the image, a failure or a deadline commits nothing,
// and no container is left either way.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { createDocker } from '../../src/docker/client.js';
import { runAndCommit, type CommitRunSpec } from '../../src/docker/commit-run.js';
import { berthLabels } from '../../src/docker/labels.js';

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const inspect = (ref: string) => JSON.parse(docker('image', 'inspect', ref))[0];

describe('runAndCommit against real Docker', () => {
  const app = `t-${randomBytes(4).toString('hex')}`;
  const repo = `berth/app-${app}`;
  const client = createDocker(loadConfig({}));
  let dir: string;
  const spec = (over: Partial<CommitRunSpec>): CommitRunSpec => ({
    name: `berth-${app}-predeploy-${randomBytes(2).toString('hex')}`,
    image: `${repo}:src`, target: `${repo}:v1`, command: 'true', env: {},
    labels: berthLabels(app, 'v1', 'predeploy', 'run'), memoryBytes: 256 * 1024 * 1024, maxSec: 120, ...over,
  });
  const leftovers = () => docker('ps', '-aq', '--filter', `label=berth.app=${app}`);

  before(async () => {
    // A source image with an ENTRYPOINT that sets a variable, as a buildpack launcher does.
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-commit-run-'));
    await writeFile(path.join(dir, 'Dockerfile'), [
      'FROM berth/stack:bookworm',
      'WORKDIR /srv',
      'ENV KEEP=me',
      // Release images carry all four labels from their build; the one-off's own labels must not replace them.
      `LABEL berth.app=${app} berth.release=build berth.process=build berth.role=build`,
      'ENTRYPOINT ["/bin/bash", "-c", "export VIA=entrypoint; exec \\"$@\\"", "launch"]',
      'CMD ["echo", "default cmd"]',
    ].join('\n'));
    docker('build', '-q', '-t', `${repo}:src`, dir);
  });
  after(async () => {
    for (const t of ['v1', 'v2', 'v3', 'v4', 'src']) { try { docker('rmi', `${repo}:${t}`); } catch { /* not made */ } }
    await rm(dir, { recursive: true, force: true });
  });

  test('the predeploy container has the walls of any app container: no new privileges, dropped capabilities, a pids limit', async () => {
    const out: string[] = [];
    const res = await runAndCommit(client, spec({
      command: 'grep -E "^(NoNewPrivs|CapEff)" /proc/self/status; cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max',
      pidsLimit: 77, target: `${repo}:v4`, onOutput: (_s, t) => out.push(t),
    }));
    const text = out.join('');
    assert.deepEqual(res, { code: 0 }, text);
    assert.match(text, /NoNewPrivs:\s*1/);
    // Root image: Docker's default set less NET_RAW, MKNOD, SYS_CHROOT, AUDIT_WRITE, SETFCAP (as runOneOff gives it).
    assert.match(text, /CapEff:\s*00000000000005fb/, text);
    assert.match(text, /^77$/m, text);
  });

  test('changes are committed; CMD, ENTRYPOINT, env, labels, workdir kept; the given env is not', async () => {
    const out: string[] = [];
    const res = await runAndCommit(client, spec({
      command: 'echo "$VIA $SECRET" > /srv/marker; echo out; echo err >&2',
      env: { SECRET: 's3cret-value' },
      onOutput: (s, t) => out.push(`${s}:${t.trim()}`),
    }));
    assert.deepEqual(res, { code: 0 });
    assert.ok(out.includes('stdout:out') && out.includes('stderr:err'), out.join('|'));
    const src = inspect(`${repo}:src`);
    const made = inspect(`${repo}:v1`);
    for (const k of ['Cmd', 'Entrypoint', 'Env', 'WorkingDir', 'Labels', 'User']) assert.deepEqual(made.Config[k], src.Config[k], k);
    assert.ok(!JSON.stringify(made).includes('s3cret-value'), 'the env given to the command leaked into the image');
    assert.equal(docker('run', '--rm', `${repo}:v1`), 'default cmd');
    assert.equal(docker('run', '--rm', `${repo}:v1`, 'cat', '/srv/marker'), 'entrypoint s3cret-value');
    assert.equal(leftovers(), '');
  });

  test('a non-zero exit commits nothing', async () => {
    const res = await runAndCommit(client, spec({ command: 'touch /srv/x; exit 3', target: `${repo}:v2` }));
    assert.deepEqual(res, { code: 3 });
    assert.throws(() => inspect(`${repo}:v2`));
    assert.equal(leftovers(), '');
  });

  test('an aborted run (the deadline) is killed at once and commits nothing', async () => {
    const t0 = Date.now();
    const res = await runAndCommit(client, spec({ command: 'sleep 60', target: `${repo}:v3`, signal: AbortSignal.timeout(1000) }));
    assert.notEqual(res.code, 0);
    assert.ok(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`);
    assert.throws(() => inspect(`${repo}:v3`));
    for (let i = 0; i < 20 && leftovers(); i++) await new Promise((r) => setTimeout(r, 250));
    assert.equal(leftovers(), '');
  });
});
