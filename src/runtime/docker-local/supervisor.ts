// Supervision: follows Docker's container events. Every process container's
// output goes to the app log; when a web process dies or is restarted by
// its restart policy, the app's route is recomputed, so the router stops
// sending traffic to a crashed process (and answers 503 when none is left).
// The event stream reopens by itself after dockerd restarts, and what it
// missed is re-listed then (docker-events.ts).
import { inspectContainer, listContainers } from '../../docker/containers.js';
import { LABEL } from '../../docker/labels.js';
import type { AppName } from '../../shared/app-name.js';
import { releaseTag, type Release } from '../../shared/types.js';
import { appDeployLease } from '../../store/locks.js';
import { setRouteUnlessLeased } from '../../store/routes.js';
import { followDockerEvents, type DockerEvent } from './docker-events.js';
import { logCollector } from './log-collector.js';
import type { LocalDeps } from './processes.js';
import { servingUpstreams } from './routes.js';

export interface Supervisor { close(): void }

export interface SupervisorHooks {
  currentRelease(app: AppName): Promise<Release | undefined>;
  /** Whether the app belongs to this install: another Berth may share the engine. */
  knows(app: AppName): Promise<boolean>;
  /** After Docker's event stream reopened: bring every app back to its formation (start what did not come back). */
  resync?(): Promise<void>;
}

// After an event, Docker has settled (a die and the restart that follows) by then.
const SETTLE_MS = 200;
// How often a web process that runs but does not accept connections yet is looked at again.
const BOOT_POLL_MS = 250;

interface AppRefresh {
  timer?: NodeJS.Timeout;
  busy: boolean;
  again: boolean;
  /** Set while a running web process is still booting: when to stop looking. */
  bootDeadline?: number;
}

export async function startSupervisor(deps: LocalDeps, hooks: SupervisorHooks, logMaxLines: number): Promise<Supervisor> {
  const logs = logCollector(deps.docker, deps.redis, logMaxLines);
  // Per app, one refresh at a time, so an older, slower read can never land
  // after a newer one; a request during a run makes one more run after it.
  const apps = new Map<string, AppRefresh>();
  let closed = false;
  const stateOf = (app: string) => {
    let st = apps.get(app);
    if (!st) apps.set(app, (st = { busy: false, again: false }));
    return st;
  };
  const schedule = (app: string, delayMs: number) => {
    if (closed) return;
    const st = stateOf(app);
    clearTimeout(st.timer);
    st.timer = setTimeout(() => { st.timer = undefined; void run(app); }, delayMs);
  };

  /** Writes the route from what serves; returns how many web processes still boot. */
  const refreshOnce = async (app: string): Promise<number> => {
    const current = await hooks.currentRelease(app as AppName);
    if (!current) return 0;
    const { upstreams, booting } = await servingUpstreams(deps, current);
    // A deploy in progress sets the route itself: the write is skipped, in
    // the same Redis step as the lease check, if one holds the lease.
    const wrote = await setRouteUnlessLeased(deps.redis, { app, upstreams, release: releaseTag(current.version) }, appDeployLease(app));
    return wrote ? booting : 0;
  };

  const run = async (app: string): Promise<void> => {
    const st = stateOf(app);
    if (st.busy) return void (st.again = true);
    st.busy = true;
    let booting = 0;
    try {
      booting = await refreshOnce(app);
    } catch (err) {
      console.error(`supervisor ${app}: ${(err as Error).message}`);
    } finally {
      st.busy = false;
    }
    if (st.again) {
      st.again = false;
      return schedule(app, 0);
    }
    // A restarted process is "running" before it listens, and no event comes
    // when it starts to: without another look its route would stay empty
    // (503) while ps shows it up (issue 9, item 11).
    if (booting > 0) {
      st.bootDeadline ??= Date.now() + deps.config.runtime.bootTimeoutMs;
      if (Date.now() < st.bootDeadline) return schedule(app, BOOT_POLL_MS);
    }
    st.bootDeadline = undefined;
    if (!st.timer) apps.delete(app);
  };
  const refresh = (app: string) => {
    stateOf(app).bootDeadline = undefined;
    schedule(app, SETTLE_MS);
  };

  const onEvent = async (ev: DockerEvent) => {
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

  // Whatever happened while the event stream was shut (dockerd restarted:
  // containers came back by their restart policy, with new addresses) came
  // with no event: re-list every container, re-read every app's route, and
  // let the worker start what did not come back.
  const resync = async () => {
    const seen = new Set<string>();
    for (const c of await listContainers(deps.docker, [LABEL.app], true)) {
      const app = c.labels[LABEL.app]!;
      if (['build', 'run'].includes(c.labels[LABEL.role] ?? '') || !(await hooks.knows(app as AppName))) continue;
      if (c.state === 'running') logs.attach(c);
      if (!seen.has(app)) { seen.add(app); refresh(app); }
    }
    await hooks.resync?.();
  };
  const attachRunning = async () => {
    for (const c of await listContainers(deps.docker, [LABEL.app])) {
      if (['build', 'run'].includes(c.labels[LABEL.role] ?? '')) continue;
      if (await hooks.knows(c.labels[LABEL.app] as AppName)) logs.attach(c);
    }
  };
  const events = await followDockerEvents(deps.docker, {
    filters: { type: ['container'], event: ['start', 'die'], label: [LABEL.app] },
    onEvent: (ev) => void onEvent(ev).catch(() => {}),
    onOpen: (reopened) => {
      if (reopened) void resync().catch((err: Error) => console.error(`supervisor: resync after reopening docker events: ${err.message}`));
    },
    log: (line) => console.error(line),
  });
  await attachRunning();
  return {
    close() {
      events.close();
      logs.close();
      closed = true;
      for (const st of apps.values()) clearTimeout(st.timer);
    },
  };
}
