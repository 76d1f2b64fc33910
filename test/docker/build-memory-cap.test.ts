// The BuildKit memory cap on a real cgroup (a scratch one, not Docker's):
// it can be lowered and raised again. cgroup v1 keeps memsw >= the RAM limit,
// so a cap written RAM-first could never be raised after it was lowered.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { capBuildkitMemory } from '../../src/docker/build-memory-cap.js';

const MiB = 1024 * 1024;
const v1 = existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');
const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
const skip = process.getuid?.() !== 0 ? 'needs root' : !v1 && !v2 ? 'no cgroup memory controller' : undefined;
const name = `berth-test-${randomBytes(3).toString('hex')}`;
const dirs = { v1: `/sys/fs/cgroup/memory/${name}`, v2: `/sys/fs/cgroup/${name}` };
const limit = () => Number(readFileSync(v1 ? `${dirs.v1}/memory.limit_in_bytes` : `${dirs.v2}/memory.max`, 'utf8'));

describe('BuildKit memory cap', { skip }, () => {
  after(() => { try { rmdirSync(v1 ? dirs.v1 : dirs.v2); } catch { /* not made */ } });

  test('lowered, raised and lowered again: each cap is applied', async () => {
    for (const mb of [256, 2048, 128]) {
      const r = await capBuildkitMemory(mb * MiB, true, dirs);
      assert.deepEqual(r, { applied: true, path: v1 ? dirs.v1 : dirs.v2 });
      assert.equal(limit(), mb * MiB);
    }
  });

  test('a remote engine is not capped, and says why', async () => {
    assert.deepEqual(await capBuildkitMemory(256 * MiB, false, dirs), { applied: false, why: 'the Docker engine is remote (DOCKER_HOST)' });
  });
});
