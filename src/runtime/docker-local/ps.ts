// ps: each process container with its state, uptime and restarts; a crash
// looping one carries its reason (exit code or OOM, from its State) and
// its last lines so `berth ps` can say why. The replaced release's web
// processes kept through the watch after go-live show as `standby`.
import { tailLogs } from '../../docker/containers.js';
import { LABEL } from '../../docker/labels.js';
import type { ProcessView } from '../scheduler.js';
import { exitReason } from './exit-reason.js';
import { appProcesses, procIndex, procType, type LocalDeps } from './processes.js';
import { getRoute } from '../../store/routes.js';

export async function psLocal(deps: LocalDeps, app: string): Promise<ProcessView[]> {
  const [all, route] = await Promise.all([appProcesses(deps, app), getRoute(deps.redis, app)]);
  const standby = new Set(route?.standby ?? []);
  const views = await Promise.all(all.map(async (c): Promise<ProcessView> => {
    const crashed = c.state === 'restarting' || (c.state === 'exited' && c.exitCode !== 0) || (c.restartCount > 0 && c.state !== 'running');
    const started = Date.parse(c.startedAt);
    return {
      name: `${procType(c)}.${procIndex(c)}`,
      type: procType(c),
      state: crashed ? 'crashed' : c.state === 'running' && standby.has(`${c.ip}:${c.env.PORT}`) ? 'standby' : c.state,
      crashed,
      startedAt: c.startedAt,
      uptimeSec: c.state === 'running' && started > 0 ? Math.round((Date.now() - started) / 1000) : 0,
      restarts: c.restartCount,
      release: c.labels[LABEL.release] ?? '',
      lastLines: crashed ? await tailLogs(deps.docker, c.id, 10) : undefined,
      reason: crashed ? exitReason(c) : undefined,
    };
  }));
  return views.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}
