// A build whose worker died (server killed, machine rebooted) would stay
// "running" forever. Its heartbeat lapses, and this sweep fails it with a
// reason the pusher and `builds` can show.
import { asBerthError } from '../shared/errors.js';
import { failure } from '../shared/push-output.js';
import { appendLog, endLog, getBuild, runningBuildsWithoutHeartbeat, updateBuild } from '../store/builds.js';
import type { RedisHandle } from '../store/redis.js';

export async function failBuildNow(r: RedisHandle, id: string, reason: string, maxLines: number): Promise<void> {
  const b = await getBuild(r, id);
  if (!b || (b.status !== 'running' && b.status !== 'queued')) return;
  await appendLog(r, id, [failure(reason), failure('Push again to retry.')], maxLines);
  await updateBuild(r, id, { status: 'failed', finishedAt: Date.now(), error: reason });
  await endLog(r, id, 'failed');
}

export async function sweepLostBuilds(r: RedisHandle, maxLines: number): Promise<number> {
  const lost = await runningBuildsWithoutHeartbeat(r);
  for (const id of lost) {
    await failBuildNow(r, id, 'the build worker stopped while this build was running (was the server restarted?)', maxLines)
      .catch((err) => console.error(`sweep ${id}: ${asBerthError(err).message}`));
  }
  return lost.length;
}
