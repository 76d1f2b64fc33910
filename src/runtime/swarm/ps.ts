// ps under Swarm: one line per task slot (the newest task of each), with the
// node it runs on; a slot whose tasks keep failing is crashed, with its exit
// code and its last lines from the app log (its tasks' containers may be on
// another node, or gone).
import type { ProcessView } from '../scheduler.js';
import { readAppLog } from '../../store/app-logs.js';
import type { AppName } from '../../shared/app-name.js';
import { appServices, nodeAddresses, serviceTasks, type SwarmDeps, type TaskView } from './services.js';

const CRASHED = new Set(['failed', 'rejected', 'orphaned']);

export async function psSwarm(deps: SwarmDeps, app: string): Promise<ProcessView[]> {
  const services = await appServices(deps, app);
  const tasks = await serviceTasks(deps, services.map((s) => s.id));
  const nodes = await nodeAddresses(deps);
  const views: ProcessView[] = [];
  for (const s of services) {
    const bySlot = new Map<number, TaskView[]>();
    for (const t of tasks.filter((x) => x.serviceId === s.id)) bySlot.set(t.slot, [...(bySlot.get(t.slot) ?? []), t]);
    for (const [slot, all] of bySlot) {
      if (slot > s.replicas) continue;
      all.sort((a, b) => b.timestamp.localeCompare(a.timestamp));
      const live = all.find((t) => t.desired === 'running') ?? all[0]!;
      const failures = all.filter((t) => CRASHED.has(t.state) && t.release === live.release).length;
      const crashed = CRASHED.has(live.state) || (failures > 0 && live.state !== 'running');
      const started = Date.parse(live.timestamp);
      const failed = all.find((t) => CRASHED.has(t.state) && t.release === live.release);
      const name = `${s.type}.${slot}`;
      const lastLines = crashed ? (await readAppLog(deps.redis, app as AppName, 10, name)).map((l) => l.line) : undefined;
      views.push({
        name,
        type: s.type,
        state: crashed ? 'crashed' : live.state,
        crashed,
        startedAt: live.timestamp,
        uptimeSec: live.state === 'running' && started > 0 ? Math.round((Date.now() - started) / 1000) : 0,
        restarts: failures,
        release: live.release,
        node: nodes.get(live.nodeId),
        lastLines: crashed ? (lastLines?.length ? lastLines : failed?.error ? [failed.error] : []) : undefined,
        reason: crashed && failed ? (failed.exitCode ? `exited with code ${failed.exitCode}` : failed.error) : undefined,
      });
    }
  }
  return views.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}
