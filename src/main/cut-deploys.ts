// After a restart: the deploys a dead server (kill -9, crash) cut off midway.
// Such a deploy leaves its app half switched over: the new release's
// containers started but never promoted (its release still pending), or the
// old release's never retired after the switch. Reconcile has already put
// the route back on the current release; here, once the app's deploy lease
// is free (the dead deployer's lapses within LEASE_TTL_MS), the cut release
// is marked failed and what is not of the current release is retired.
// Apps whose lease is busy are tried again until each is done.
import { tryAppLease } from '../pipeline/app-lease.js';
import { failCutReleases } from '../pipeline/sweep.js';
import { retireStrays } from '../runtime/docker-local/deploy.js';
import type { AppName } from '../shared/app-name.js';
import { isStopped, listApps } from '../store/apps.js';
import { currentRelease, type Platform } from './platform.js';

const RETRY_MS = 5_000;

/** Finishes one app; false while its deploy lease is held by someone else. */
async function finishApp(p: Platform, app: AppName): Promise<boolean> {
  const lease = await tryAppLease(p.redis, app);
  if (!lease) return false;
  try {
    const current = await currentRelease(p.redis, app);
    const failed = await failCutReleases(p.redis, app, current?.version);
    const retired = current && !(await isStopped(p.redis, app)) ? await retireStrays(p, current) : 0;
    if (failed.length + retired > 0) {
      console.log(`berth: ${app}: finished a deploy cut off by a server stop: ${failed.map((v) => `v${v}`).join(', ') || 'no release'} marked failed, ${retired} container(s) of another release retired`);
    }
    return true;
  } finally {
    await lease.release();
  }
}

export async function startCutDeploySweep(p: Platform): Promise<{ close(): void }> {
  const pending = new Set(await listApps(p.redis));
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const pass = async () => {
    for (const app of [...pending]) {
      if (closed) return;
      const done = await finishApp(p, app).catch((err: Error) => { console.error(`berth: ${app}: cut deploy: ${err.message}`); return false; });
      if (done) pending.delete(app);
    }
    if (pending.size > 0 && !closed) timer = setTimeout(() => void pass(), RETRY_MS);
  };
  // In the background: a retire waits out the drain of what is still in flight.
  void pass();
  return { close() { closed = true; clearTimeout(timer); } };
}
