// The words behind bad-apps.test.ts and full-disk.test.ts, case by case:
// exit reasons from a container's State, what /proc/net/tcp says a process
// listens on, and which errors mean a full disk. The e2e tests cover the
// real paths; these pin the cases a real app rarely hits (signals, IPv6).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exitHint, exitReason, timesText } from '../../src/runtime/docker-local/exit-reason.js';
import { parseListening, portHint } from '../../src/runtime/docker-local/listen-probe.js';
import { saysDiskFull } from '../../src/pipeline/disk-full.js';
import type { ContainerView } from '../../src/docker/containers.js';

const view = (o: Partial<ContainerView>): ContainerView => ({
  id: 'x', name: 'x', labels: {}, state: 'restarting', ip: undefined, env: {}, startedAt: '', restartCount: 1,
  exitCode: 1, oomKilled: false, memoryBytes: 512 << 20, ...o,
});

describe('exit reasons', () => {
  test('exit code, OOM, signal, and a code from a die event once Docker reset the State', () => {
    assert.equal(exitReason(view({ exitCode: 3 })), 'exited with code 3');
    assert.equal(exitReason(view({ oomKilled: true, exitCode: 137 })), 'was killed for going over its 512 MB memory limit (OOM)');
    assert.equal(exitReason(view({ exitCode: 137 })), 'was killed by SIGKILL (exit code 137)');
    assert.equal(exitReason(view({ state: 'running', exitCode: 0 }), 3), 'exited with code 3');
    assert.equal(exitReason(view({ state: 'running', exitCode: 0 })), 'exited and was restarted');
  });

  test('how often: Docker has counted the exit already while restarting', () => {
    assert.equal(timesText(view({ restartCount: 1 })), '');
    assert.equal(timesText(view({ restartCount: 3 })), ' (3 times)');
    assert.equal(timesText(view({ state: 'exited', restartCount: 1 })), ' (2 times)');
  });

  test('hints: more memory for an OOM, a foreground server for a clean exit', () => {
    assert.match(exitHint(view({ oomKilled: true }), 'my-app', 'web'), /berth resource:limit my-app --process-type web --memory 1024m/);
    assert.match(exitHint(view({ exitCode: 0, state: 'exited' }), 'my-app', 'web', 0), /must keep running/);
    assert.match(exitHint(view({}), 'my-app', 'web', 1), /berth config my-app/);
  });
});

describe('what a process listens on', () => {
  const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0B00007F:9EE1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1388 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 20 4 30 10 -1
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  0 0 4 1`;

  test('listening sockets only, without Docker\'s DNS, IPv6 included', () => {
    assert.deepEqual(parseListening(TCP), ['127.0.0.1:5000', '[::]:8080']);
    assert.match(portHint(5000, ['127.0.0.1:5000']), /bind 0\.0\.0\.0:\$PORT .*; it listens on 127\.0\.0\.1:5000 instead/);
    assert.match(portHint(5000, []), /listens on no TCP port yet/);
    assert.doesNotMatch(portHint(5000, undefined), /listens on/);
  });
});

describe('a full disk', () => {
  test('ENOSPC, Docker\'s and tar\'s words for it; not other failures', () => {
    assert.equal(saysDiskFull(Object.assign(new Error('write failed'), { code: 'ENOSPC' })), true);
    assert.equal(saysDiskFull(new Error('failed to copy files: write /var/lib/docker/x: no space left on device')), true);
    assert.equal(saysDiskFull(new Error('Command failed: tar -xf a.tar\ntar: big.bin: Wrote only 6144 of 10240 bytes')), true);
    assert.equal(saysDiskFull(new Error('Command failed: tar -xf a.tar\ntar: This does not look like a tar archive')), false);
  });
});
