// The service handle's plumbing against the real Docker Engine (what backups
// and restores build on): exec streams stdin in and stdout out, half-closing
// stdin so the command sees EOF; a failing command's code and stderr come
// back; a deadline stops a command that hangs; runWithVolume reaches the
// service's data volume from a throwaway container that is removed after.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { loadConfig } from '../../src/config/index.js';
import { createDocker } from '../../src/docker/client.js';
import { execIn, runWithVolume } from '../../src/docker/exec.js';
import { ensureServiceContainer, removeServiceObjects, serviceContainerName, serviceLabels, serviceVolumeName } from '../../src/docker/service-container.js';

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function collect(): { sink: PassThrough; bytes(): Buffer } {
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => chunks.push(c));
  return { sink, bytes: () => Buffer.concat(chunks) };
}

describe('service exec and runWithVolume against real Docker', () => {
  const name = `t-${randomBytes(3).toString('hex')}`;
  const config = loadConfig({});
  const client = createDocker(config);
  const container = serviceContainerName(name);

  before(async () => {
    // The redis image: small, and it needs no initialisation to run `sleep`.
    await ensureServiceContainer(client, {
      name, kind: 'redis', image: config.services.images.redis, cmd: ['sleep', 'infinity'], env: {}, user: 'redis', dataPath: '/data',
      health: ['true'], memoryBytes: 128 * 1024 * 1024, cpus: 1, pidsLimit: 64, networkPool: config.runtime.networkPool,
    });
  });
  after(async () => { await removeServiceObjects(client, name).catch(() => {}); });

  test('stdin goes in, stdout comes out byte for byte, and EOF reaches the command', async () => {
    const input = randomBytes(3 * 1024 * 1024);
    const out = collect();
    const r = await execIn(client, container, ['sh', '-c', 'cat; echo done >&2'], { stdin: Readable.from([input]), stdout: out.sink, timeoutMs: 60_000 });
    assert.equal(r.code, 0);
    assert.equal(r.stderr.trim(), 'done');
    assert.equal(sha(out.bytes()), sha(input));
  });

  test('a failing command gives its exit code and stderr; a hanging one is stopped by its deadline', async () => {
    const r = await execIn(client, container, ['sh', '-c', 'echo broken >&2; exit 7']);
    assert.deepEqual(r, { code: 7, stderr: 'broken\n' });
    const t0 = Date.now();
    await assert.rejects(execIn(client, container, ['sleep', '60'], { timeoutMs: 1500 }), /took longer than 2 s|took longer than 1 s/);
    assert.ok(Date.now() - t0 < 20_000);
  });

  test('runWithVolume writes into the data volume from stdin and reads it back; no container is left', async () => {
    const spec = {
      image: config.services.images.redis, volume: serviceVolumeName(name), mountPath: '/data',
      labels: { ...serviceLabels(name, 'redis'), 'berth.role': 'service-task' }, user: 'redis', memoryBytes: 128 * 1024 * 1024,
    };
    const payload = randomBytes(256 * 1024);
    const w = await runWithVolume(client, { ...spec, name: `${container}-w` }, ['sh', '-c', 'cat > /data/restore.bin'], { stdin: Readable.from([payload]), timeoutMs: 60_000 });
    assert.equal(w.code, 0, w.stderr);
    const out = collect();
    const r = await execIn(client, container, ['cat', '/data/restore.bin'], { stdout: out.sink, timeoutMs: 30_000 });
    assert.equal(r.code, 0);
    assert.equal(sha(out.bytes()), sha(payload), 'the running service sees what the throwaway container wrote');
    const bad = await runWithVolume(client, { ...spec, name: `${container}-x` }, ['sh', '-c', 'echo nope >&2; exit 3'], { timeoutMs: 60_000 });
    assert.deepEqual(bad, { code: 3, stderr: 'nope\n' });
    assert.equal(docker('ps', '-aq', '--filter', `label=berth.service=${name}`, '--filter', 'label=berth.role=service-task'), '');
  });
});
