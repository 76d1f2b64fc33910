// The process launcher (src/shared/launcher.ts) under the real bash, and the
// bounds on the notes buildpacks leave (build-notes.ts). The containers that
// use the launcher are covered end to end by test/e2e/launcher.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { launchProcess } from '../../src/shared/launcher.js';
import { noteLines } from '../../src/builders/buildpack/build-notes.js';

const run = (type: string, command: string) => {
  const l = launchProcess(type, command);
  const [file, ...args] = l.cmd;
  return { l, r: spawnSync(file!, args, { env: { PATH: process.env.PATH, ...l.env }, encoding: 'utf8' }) };
};

test('the command is in the environment, not the arguments, and the app does not inherit it', () => {
  const { l, r } = run('worker', 'echo "ran: $1${BERTH_PROCESS_COMMAND-unset}"; exit 3');
  assert.deepEqual(l.cmd.slice(-2), ['berth-start', 'worker']);
  assert.ok(!l.cmd.join(' ').includes('echo'), l.cmd.join(' '));
  assert.equal(r.stdout, 'ran: unset\n');
  assert.equal(r.status, 3, 'the exit status is the command\'s');
});

test('quotes, pipes and $ in a Procfile command reach bash as written', () => {
  const { r } = run('web', `printf '%s\\n' "a b" | tr ' ' _ && echo '$HOME'`);
  assert.equal(r.stdout, 'a_b\n$HOME\n');
});

test('a single command replaces the launcher (bash execs it), so it is the process a signal reaches', () => {
  const { r } = run('web', `/bin/sh -c 'echo $$'`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), String(r.pid), 'the command runs as the very process that was started');
});

test('buildpack notes: control characters stripped, at most 8 lines of 300 characters', () => {
  assert.deepEqual(noteLines(undefined), []);
  assert.deepEqual(noteLines(Buffer.from('a\x1b[31m\n\n  b  \n')), ['a[31m', 'b']);
  const many = noteLines(Buffer.from(Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(400, 'x')).join('\n')));
  assert.equal(many.length, 8);
  assert.equal(many[0]!.length, 300);
  assert.ok(many[0]!.endsWith('…'));
});

test('a Swarm service spec starts the launcher too: the type in Args, the command only in Env', async () => {
  const { loadConfig } = await import('../../src/config/index.js');
  const { createDocker } = await import('../../src/docker/client.js');
  const { serviceSpec } = await import('../../src/runtime/swarm/service-spec.js');
  const config = loadConfig({ BERTH_DATA_DIR: '/tmp/berth-launcher-unit' });
  const release = {
    app: 'x', version: 3, image: config.images.run, config: {}, processTypes: { web: 'node web.js', worker: 'node worker.js' },
    port: 5000, description: '', createdAt: 0, status: 'live',
  } as unknown as Parameters<typeof serviceSpec>[2]['release'];
  const spec = await serviceSpec(createDocker(config), config, { release, type: 'worker', replicas: 1, image: config.images.run, network: 'n' });
  const c = (spec.TaskTemplate as { ContainerSpec: { Args: string[]; Env: string[] } }).ContainerSpec;
  assert.deepEqual(c.Args, launchProcess('worker', 'node worker.js').cmd);
  assert.ok(!c.Args.join(' ').includes('node worker.js'));
  assert.ok(c.Env.includes('BERTH_PROCESS_COMMAND=node worker.js'), c.Env.join(' '));
});
