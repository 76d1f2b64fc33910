// Supervision: follows Docker's container events. Every process container's
// output goes to the app log; when a web process dies or is restarted by
// its restart policy, the app's route is recomputed, so the router stops
// sending traffic to a crashed process (and answers 503 when none is left).
import { inspectContainer, listContainers } from '../../docker/containers.js';
import { LABEL } from '../../docker/labels.js';
import type { AppName } from '../../shared/app-name.js';
import type { Release } from '../../shared/types.js';
import { appDeployLease, isLeased } from '../../store/locks.js';
import { logCollector } from './log-collector.js';
import type { LocalDeps } from './processes.js';
import { refreshRoutes } from './routes.js';

export interface Supervisor { close(): void }

export interface SupervisorHooks {
  currentRelease(app: AppName): Promise<Release | undefined>;
  /** Whether the app belongs to this install: another Berth may share the engine. */
  knows(app: AppName): Promise<boolean>;
}

export async function startSupervisor(deps: LocalDeps, hooks: SupervisorHooks, logMaxLines: number): Promise<Supervisor> {
  const logs = logCollector(deps.docker, deps.redis, logMaxLines);
  const pending = new Map<string, NodeJS.Timeout>();
  const refresh = (app: string) => {
    clearTimeout(pending.get(app));
    pending.set(app, setTimeout(() => {
      pending.delete(app);
      void (async () => {
        // A deploy in progress sets the route itself; refreshing now could race it.
        if (await isLeased(deps.redis, appDeployLease(app))) return;
        const current = await hooks.currentRelease(app as AppName);
        if (current) await refreshRoutes(deps, current);
      })().catch((err) => console.error(`supervisor ${app}: ${err.message}`));
    }, 200));
  };

  const onEvent = async (ev: { status?: string; Action?: string; id?: string; Actor?: { Attributes?: Record<string, string> } }) => {
    const action = ev.Action ?? ev.status;
    const attrs = ev.Actor?.Attributes ?? {};
    const app = attrs[LABEL.app];
    if (!app || !ev.id || ['build', 'run'].includes(attrs[LABEL.role] ?? '')) return;
    if (!(await hooks.knows(app as AppName))) return;
    if (action === 'start') {
      const view = await inspectContainer(deps.docker, ev.id);
      if (view) logs.attach(view);
      if (view && view.restartCount > 0 && attrs[LABEL.process] === 'web') refresh(app);
    } else if (action === 'die' && attrs[LABEL.process] === 'web') {
      refresh(app);
    }
  };

  const events = (await deps.docker.getEvents({
    filters: { type: ['container'], event: ['start', 'die'], label: [LABEL.app] },
  })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  let buf = '';
  events.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try { void onEvent(JSON.parse(line)).catch(() => {}); } catch { /* partial or foreign line */ }
    }
  });
  events.on('error', (err) => console.error(`docker events: ${err.message}`));

  for (const c of await listContainers(deps.docker, [LABEL.app])) {
    if (['build', 'run'].includes(c.labels[LABEL.role] ?? '')) continue;
    if (await hooks.knows(c.labels[LABEL.app] as AppName)) logs.attach(c);
  }
  return {
    close() {
      events.destroy();
      logs.close();
      for (const t of pending.values()) clearTimeout(t);
    },
  };
}
