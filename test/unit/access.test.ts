// Scopes, the SSH command parser and the SecretBox,
// as pure functions; the e2e suites (access, ssh-push, secrets) cover each path for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allows, intersectScopes, parseDuration, parseScope, readableApps, type Scope } from '../../src/shared/access.js';
import type { AppName } from '../../src/shared/app-name.js';
import { parseGitCommand } from '../../src/git/ssh-command.js';
import { SecretBox } from '../../src/store/secrets.js';

const a = (s: string) => s as AppName;

test('scopes: admin does all, read only reads, deploy pushes and reads its apps', () => {
  const deploy = [parseScope('deploy:web,shop')];
  assert.deepEqual(deploy, [{ kind: 'deploy', apps: ['shop', 'web'] }]);
  assert.ok(allows(deploy, 'push', a('web')) && allows(deploy, 'read', a('shop')));
  assert.ok(!allows(deploy, 'push', a('other')) && !allows(deploy, 'admin', a('web')) && !allows(deploy, 'read'));
  assert.ok(allows([parseScope('read')], 'read') && !allows([parseScope('read')], 'push', a('web')));
  assert.ok(allows([parseScope('admin')], 'admin'));
  assert.deepEqual([...(readableApps(deploy) as ReadonlySet<string>)], ['shop', 'web']);
  assert.throws(() => parseScope('deploy:'), /invalid scope/);
  assert.throws(() => parseScope('deploy:Bad_Name'), /invalid app name/);
  assert.throws(() => parseScope('write'), /use admin, read or deploy/);
});

test('a token\'s scopes are cut down to its user\'s role', () => {
  const role: Scope[] = [{ kind: 'deploy', apps: [a('web')] }];
  assert.deepEqual(intersectScopes([parseScope('deploy:web,shop')], role), [{ kind: 'deploy', apps: ['web'] }]);
  assert.deepEqual(intersectScopes([parseScope('admin')], role), []);
  assert.deepEqual(intersectScopes([parseScope('read')], [{ kind: 'admin' }]), [{ kind: 'read' }]);
});

test('durations', () => {
  assert.equal(parseDuration('30d'), 30 * 86_400_000);
  assert.equal(parseDuration('2s'), 2000);
  for (const bad of ['0d', '30', 'd', '1y', 5]) assert.throws(() => parseDuration(bad), /invalid expiry/);
});

test('SSH commands: only git-receive-pack / git-upload-pack on an app name', () => {
  assert.deepEqual(parseGitCommand("git-receive-pack '/my-app.git'"), { service: 'git-receive-pack', app: 'my-app' });
  assert.deepEqual(parseGitCommand("git-upload-pack 'my-app'"), { service: 'git-upload-pack', app: 'my-app' });
  assert.deepEqual(parseGitCommand('git receive-pack my-app.git'), { service: 'git-receive-pack', app: 'my-app' });
  for (const bad of ['ls', 'git-receive-pack', "git-receive-pack 'a' ; rm -rf /", 'git-upload-archive app', 'bash -c id']) {
    assert.throws(() => parseGitCommand(bad), /not allowed here|invalid app name/, bad);
  }
  assert.throws(() => parseGitCommand("git-upload-pack '../etc'"), /invalid app name/);
});

test('SecretBox: AES-256-GCM round trip, bound to app/name, keyring file 0600, rotation', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-box-'));
  try {
    const box = SecretBox.forDataDir(dir);
    const sealed = box.encrypt('s3cret', 'web/DB');
    assert.match(sealed, /^enc:v1:k[0-9a-z]+:/);
    assert.ok(!sealed.includes('s3cret'));
    assert.notEqual(box.encrypt('s3cret', 'web/DB'), sealed, 'a fresh IV each time');
    assert.equal(box.decrypt(sealed, 'web/DB'), 's3cret');
    assert.throws(() => box.decrypt(sealed, 'web/OTHER'), /integrity check/);
    assert.equal(box.decrypt('legacy plain', 'web/DB'), 'legacy plain');
    assert.equal(statSync(path.join(dir, 'secrets.key')).mode & 0o777, 0o600);
    const other = SecretBox.forDataDir(dir);
    const id = box.addKey();
    assert.ok(other.encrypt('x', 'a/B').startsWith(`enc:v1:${id}:`), 'another process follows the new key');
    assert.equal(other.decrypt(sealed, 'web/DB'), 's3cret', 'old values readable until the old key is dropped');
    box.dropOldKeys();
    assert.throws(() => other.decrypt(sealed, 'web/DB'), /does not hold/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
