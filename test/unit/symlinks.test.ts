// The pushed tree's symlink check on real directories (the push path is
// covered end to end in test/e2e/build-input.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkSymlinks } from '../../src/builders/symlinks.js';

async function tree(links: Record<string, string>, dirs: string[] = []): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'berth-links-'));
  for (const d of dirs) await mkdir(path.join(root, d), { recursive: true });
  for (const [name, target] of Object.entries(links)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await symlink(target, path.join(root, name));
  }
  return root;
}

test('links that stay inside pass, also through linked directories and dangling ones', async () => {
  const root = await tree({ a: 'b/c', 'b/up': '..', 'b/via': 'up/b/up/a', 'd/e': '../b/../a', dangling: 'nope/x' }, ['b']);
  await checkSymlinks(root);
  await rm(root, { recursive: true });
});

test('absolute links, .. escapes, escapes through another link and loops are named', async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ x: '/etc/passwd' }, /symlink x points to "\/etc\/passwd", an absolute path/],
    [{ 'deep/er/x': '../../..' }, /symlink deep\/er\/x points to "..\/..\/..", outside the repository/],
    [{ dot: '.', out: 'dot/..' }, /symlink out points to "dot\/..", outside the repository/],
    [{ 'sub/top': '..', 'sub/out': 'top/../x' }, /symlink sub\/out points to "top\/..\/x", outside the repository/],
    [{ l1: 'l2', l2: 'l1' }, /symlink l1 points to "l2", a loop of symlinks/],
  ];
  for (const [links, message] of cases) {
    const root = await tree(links);
    await assert.rejects(checkSymlinks(root), (e: Error & { code?: string; hint?: string }) =>
      e.code === 'symlink_outside_repo' && message.test(e.message) && /must stay inside the repository/.test(e.hint ?? ''));
    await rm(root, { recursive: true });
  }
});
