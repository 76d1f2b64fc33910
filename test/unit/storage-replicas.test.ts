// The replica limit of a process type with storage mounts
// (shared/storage-replicas.ts): what ps:scale and storage:mount refuse, and
// which scheduler sets a limit. The refusals on a real two-node swarm are in
// test/swarm/multi-node.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountRefusal, scaleRefusal, type StorageReplicaLimit } from '../../src/shared/storage-replicas.js';
import type { StorageMount } from '../../src/shared/storage-mount.js';
import { BerthError } from '../../src/shared/errors.js';
import { loadConfig } from '../../src/config/index.js';
import { swarmScheduler, type SwarmDeps } from '../../src/runtime/swarm/index.js';
import { dockerLocalScheduler } from '../../src/runtime/docker-local/index.js';

const LIMIT: StorageReplicaLimit = { maxReplicas: 1, reason: 'pinned to one node', setting: 'BERTH_SWARM_STORAGE_REPLICAS' };
const data: StorageMount = { kind: 'volume', source: 'data', target: '/data' };
const webOnly: StorageMount = { kind: 'volume', source: 'cache', target: '/cache', processes: ['web'] };

function isRefusal(err: BerthError | undefined, message: RegExp, hint: RegExp): void {
  assert.ok(err instanceof BerthError, 'refused');
  assert.equal(err.code, 'storage_pinned');
  assert.equal(err.status, 409);
  assert.ok(err.expose);
  assert.match(err.message, message);
  assert.match(err.hint ?? '', hint);
}

test('ps:scale past the limit of a type with a mount is refused, naming the mount, the reason and the ways out', () => {
  isRefusal(scaleRefusal('shop', { web: 2 }, { web: 1 }, [data], LIMIT),
    /^web cannot run 2 replicas: it has the storage mount data:\/data, so it runs at most 1 replica \(pinned to one node\)$/,
    /berth ps:scale shop web=1.*berth storage:unmount shop data:\/data.*raise BERTH_SWARM_STORAGE_REPLICAS/);
  // Every mount of the type is named, once.
  isRefusal(scaleRefusal('shop', { web: 3 }, {}, [data, webOnly, data], LIMIT), /mounts data:\/data, cache:\/cache,? so/, /ps:scale shop web=1/);
  // The type named in the refusal is the one past the limit.
  isRefusal(scaleRefusal('shop', { web: 1, worker: 2 }, {}, [data], LIMIT), /^worker cannot run 2 replicas/, /worker=1/);
  // No setting: no "raise" advice.
  assert.doesNotMatch(scaleRefusal('shop', { web: 2 }, {}, [data], { maxReplicas: 1, reason: 'r' })!.hint!, /raise/);
});

test('ps:scale is allowed within the limit, for types without mounts, down from past the limit, and with no limit', () => {
  assert.equal(scaleRefusal('shop', { web: 1 }, { web: 0 }, [data], LIMIT), undefined);
  assert.equal(scaleRefusal('shop', { web: 0 }, { web: 1 }, [data], LIMIT), undefined);
  assert.equal(scaleRefusal('shop', { worker: 5 }, {}, [webOnly], LIMIT), undefined, 'the mount is for web only');
  assert.equal(scaleRefusal('shop', { web: 5 }, {}, [], LIMIT), undefined, 'no mounts');
  assert.equal(scaleRefusal('shop', { web: 2 }, { web: 3 }, [data], LIMIT), undefined, 'a scale down from before the limit');
  assert.equal(scaleRefusal('shop', { web: 3 }, { web: 3 }, [data], LIMIT), undefined, 'unchanged');
  assert.equal(scaleRefusal('shop', { web: 50 }, {}, [data], undefined), undefined, 'one host: no limit');
  assert.equal(scaleRefusal('shop', { web: 3 }, {}, [data], { ...LIMIT, maxReplicas: 3 }), undefined, 'a raised limit');
});

test('storage:mount on a type already past the limit is refused; on types within it, or with no limit, it is not', () => {
  isRefusal(mountRefusal('shop', data, { web: 2, worker: 1, clock: 0 }, LIMIT),
    /^cannot mount data:\/data on web: it runs 2 replicas, and a process type with storage mounts runs at most 1 replica \(pinned to one node\)$/,
    /berth ps:scale shop web=1.*--process worker,clock.*raise BERTH_SWARM_STORAGE_REPLICAS/);
  assert.equal(mountRefusal('shop', { ...data, processes: ['worker'] }, { web: 2, worker: 1 }, LIMIT), undefined);
  isRefusal(mountRefusal('shop', { ...data, processes: ['worker'] }, { web: 1, worker: 4 }, LIMIT), /on worker: it runs 4 replicas/, /worker=1/);
  assert.equal(mountRefusal('shop', data, { web: 1, worker: 1 }, LIMIT), undefined);
  assert.equal(mountRefusal('shop', data, { web: 9 }, undefined), undefined);
});

test('Swarm reports the limit from BERTH_SWARM_STORAGE_REPLICAS (default 1); the local scheduler has none', () => {
  const deps = (env: Record<string, string>) => ({ config: loadConfig({ BERTH_DATA_DIR: '/nonexistent', ...env }), docker: {}, redis: {} }) as unknown as SwarmDeps;
  const swarm = swarmScheduler(deps({ BERTH_SCHEDULER: 'swarm' })).storageReplicas;
  assert.equal(swarm?.maxReplicas, 1);
  assert.match(swarm!.reason, /pinned to the node that holds its volumes/);
  assert.equal(swarm!.setting, 'BERTH_SWARM_STORAGE_REPLICAS');
  assert.equal(swarmScheduler(deps({ BERTH_SWARM_STORAGE_REPLICAS: '3' })).storageReplicas?.maxReplicas, 3);
  assert.throws(() => loadConfig({ BERTH_SWARM_STORAGE_REPLICAS: '0' }), /BERTH_SWARM_STORAGE_REPLICAS must be an integer >= 1/);
  assert.equal(dockerLocalScheduler(deps({})).storageReplicas, undefined);
});
