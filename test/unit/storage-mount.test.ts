// The storage path rules (shared/storage-mount.ts) and the realpath check
// on real directories (docker/storage.ts); the API, the runtime and the
// containers are covered end to end in test/e2e/storage.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkProcesses, mountsFor, parseMountSpec, type StorageMount } from '../../src/shared/storage-mount.js';
import { ensureStorageDirectory, resolveStorageDir } from '../../src/docker/storage.js';
import { BerthError } from '../../src/shared/errors.js';

const ROOT = '/var/lib/berth/storage';

function refused(spec: string, code: string, message: RegExp, hint?: RegExp): void {
  assert.throws(() => parseMountSpec(spec, ROOT), (err: unknown) => {
    assert.ok(err instanceof BerthError, `${spec}: ${String(err)}`);
    assert.equal(err.status, 400, spec);
    assert.equal(err.code, code, `${spec}: ${err.message}`);
    assert.match(err.message, message, spec);
    if (hint) assert.match(err.hint ?? '', hint, spec);
    return true;
  });
}

test('a bare name is a volume; a directory under the root is a host dir; paths are cleaned', () => {
  assert.deepEqual(parseMountSpec('uploads:/app/uploads', ROOT), { kind: 'volume', source: 'uploads', target: '/app/uploads' });
  assert.deepEqual(parseMountSpec('db.v2:/data/', ROOT), { kind: 'volume', source: 'db.v2', target: '/data' });
  assert.deepEqual(parseMountSpec(`${ROOT}/my-app/:/app//storage`, ROOT), { kind: 'dir', source: `${ROOT}/my-app`, target: '/app/storage' });
  assert.deepEqual(parseMountSpec(`${ROOT}/a/b:/srv`, ROOT), { kind: 'dir', source: `${ROOT}/a/b`, target: '/srv' });
});

test('host paths outside the root, .., the Docker socket and the root itself are refused, saying what is allowed', () => {
  const allowed = /only a directory under \/var\/lib\/berth\/storage can be mounted/;
  refused('/:/app/x', 'mount_source_denied', /outside Berth's storage root/, allowed);
  refused('/etc:/app/x', 'mount_source_denied', /outside Berth's storage root/, allowed);
  refused(`${ROOT}:/app/x`, 'mount_source_denied', /outside Berth's storage root/, allowed);
  refused('/var/lib/berth/storage-other/x:/app/x', 'mount_source_denied', /outside/, allowed);
  refused(`${ROOT}/../../../etc:/app/x`, 'mount_source_denied', /contains "\." or "\.\."/, allowed);
  refused(`${ROOT}/a/./b:/app/x`, 'mount_source_denied', /contains "\." or "\.\."/, allowed);
  refused('/var/run/docker.sock:/var/run/docker.sock', 'mount_source_denied', /Docker socket .* can never be mounted/, allowed);
  refused('/run/docker.sock:/app/d', 'mount_source_denied', /Docker socket/);
  refused(`${ROOT}/docker.sock:/app/d`, 'mount_source_denied', /Docker socket/);
  refused('../etc:/app/x', 'mount_source_denied', /neither a volume name nor a directory/);
  refused('a/b:/app/x', 'mount_source_denied', /neither a volume name nor a directory/);
  refused('Upper:/app/x', 'invalid_volume_name', /not a valid volume name/);
  refused(`${ROOT}/x y:/app`, 'mount_source_denied', /characters/);
});

test('container paths that would hide system directories are refused, with the deny list in the hint', () => {
  for (const t of ['/', '/proc', '/proc/1', '/sys/fs', '/dev', '/etc', '/etc/ssl', '/usr/lib', '/bin', '/lib64', '/app', '/app/', '/var', '/run', '/var/run', '//']) {
    refused(`data:${t}`, 'mount_path_denied', /would hide files the container needs/, /refused: \/ \/app \/var and anything under \/proc/);
  }
  refused('data:app/uploads', 'invalid_mount_path', /not absolute/);
  refused('data:/app/../etc', 'invalid_mount_path', /contains "\." or "\.\."/);
  refused('data:/app/a b', 'invalid_mount_path', /characters/);
  // Near misses are fine.
  for (const t of ['/app/uploads', '/data', '/var/lib/app', '/etcetera', '/usrdata', '/tmp/cache']) assert.equal(parseMountSpec(`d:${t}`, ROOT).target, t);
});

test('the spec must be <source>:<path>, without options', () => {
  refused('uploads', 'invalid_mount', /is not <name-or-dir>:<container-path>/);
  refused('uploads:/app/u:ro', 'invalid_mount', /is not <name-or-dir>:<container-path>/, /:ro are not supported/);
  refused(':/app/u', 'invalid_mount', /is not/);
  assert.throws(() => parseMountSpec(42, ROOT), /give a mount as <name>:<container-path>/);
});

test('--process takes type names; one-offs get every mount, a process only its own', () => {
  assert.deepEqual(checkProcesses('worker,web,web'), ['web', 'worker']);
  assert.equal(checkProcesses(undefined), undefined);
  assert.throws(() => checkProcesses('web;rm'), /--process takes process type names/);
  const mounts: StorageMount[] = [
    { kind: 'volume', source: 'a', target: '/a' },
    { kind: 'volume', source: 'b', target: '/b', processes: ['worker'] },
  ];
  assert.deepEqual(mountsFor(mounts, 'web').map((m) => m.source), ['a']);
  assert.deepEqual(mountsFor(mounts, 'worker').map((m) => m.source), ['a', 'b']);
  assert.deepEqual(mountsFor(mounts, undefined).map((m) => m.source), ['a', 'b']);
});

test('realpath: a directory under the root passes; a symlink out of it, a missing dir and a file are refused', async () => {
  const base = await mkdtemp(path.join(os.tmpdir(), 'berth-storage-'));
  const root = path.join(base, 'storage');
  try {
    const made = await ensureStorageDirectory('data', { root, uid: 1000, gid: 1000 });
    assert.deepEqual(made, { path: path.join(root, 'data'), created: true });
    assert.equal((await stat(made.path)).uid, 1000);
    assert.equal((await ensureStorageDirectory('data', { root, uid: 1000, gid: 1000 })).created, false);
    assert.equal(await resolveStorageDir(path.join(root, 'data'), root), path.join(root, 'data'));
    // A link that stays inside is resolved to its real directory.
    await symlink(path.join(root, 'data'), path.join(root, 'alias'));
    assert.equal(await resolveStorageDir(path.join(root, 'alias'), root), path.join(root, 'data'));
    await mkdir(path.join(base, 'outside'));
    await symlink(path.join(base, 'outside'), path.join(root, 'escape'));
    await symlink('/', path.join(root, 'slash'));
    for (const name of ['escape', 'slash']) {
      await assert.rejects(resolveStorageDir(path.join(root, name), root), (err: BerthError) =>
        err.code === 'mount_source_denied' && /outside Berth's storage root \(a symlink out of the root\)/.test(err.message));
    }
    await assert.rejects(resolveStorageDir(path.join(root, 'missing'), root), /does not exist/);
    await writeFile(path.join(root, 'file'), 'x');
    await assert.rejects(resolveStorageDir(path.join(root, 'file'), root), /is not a directory/);
    // ensure-directory will not chown through a symlink planted in the root.
    await assert.rejects(ensureStorageDirectory('escape', { root, uid: 1000, gid: 1000 }), /is not a directory \(a symlink or a file\)/);
    assert.equal((await stat(path.join(base, 'outside'))).uid, 0);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
