// One deploy per app at a time, whoever starts it: a build, a config change,
// a rollback or a scale. Builds wait in the queue; API calls wait here a
// little, then get a 409 that says why.
import { setTimeout as sleep } from 'node:timers/promises';
import { fail } from '../shared/errors.js';
import { appDeployLease, tryLease, type Lease } from '../store/locks.js';
import type { RedisHandle } from '../store/redis.js';

export const LEASE_TTL_MS = 30_000;

/** Holds the app's deploy lease, renewing it, until `release()` is called. */
export interface HeldLease { release(): Promise<void> }

function hold(lease: Lease): HeldLease {
  const timer = setInterval(() => void lease.renew().catch(() => {}), LEASE_TTL_MS / 3);
  return { async release() { clearInterval(timer); await lease.release().catch(() => {}); } };
}

export async function tryAppLease(r: RedisHandle, app: string): Promise<HeldLease | undefined> {
  const lease = await tryLease(r, appDeployLease(app), LEASE_TTL_MS);
  return lease && hold(lease);
}

export async function waitForAppLease(r: RedisHandle, app: string, waitMs: number): Promise<HeldLease> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const held = await tryAppLease(r, app);
    if (held) return held;
    if (Date.now() > deadline) {
      throw fail('deploy_in_progress', `another deploy of ${app} is in progress`, 'wait for it to finish (see `berth builds`), then try again');
    }
    await sleep(250);
  }
}
