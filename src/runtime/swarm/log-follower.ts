// Copies every service's output (from tasks on any node: the manager
// gathers them) into the app's log stream, tagged `web.1`-style from the
// task's slot. A cursor per service lets a restarted server carry on.
// Slots come from the supervisor's task listings; a task too short-lived
// for those (a crash loop) is looked up before its lines are stored.
import { PassThrough } from 'node:stream';
import { copyDockerLog } from '../log-copy.js';
import type { ServiceView, SwarmDeps } from './services.js';

const cursorKey = (deps: SwarmDeps) => deps.redis.key('logs', 'swarm-cursor');
/** The task id in a service log line's details (`details: true`). */
export const TASK_ATTR = /(?:^|,)com\.docker\.swarm\.task\.id=([a-z0-9]+)/;

export interface LogFollower {
  follow(app: string, service: ServiceView): void;
  /** Task id -> slot, from the supervisor's listing. */
  learnSlots(tasks: readonly { id: string; slot: number }[]): void;
  close(): void;
}

/** A process name held until its task's slot is known: `?<task id>`. */
const UNNAMED = '?';

export function logFollower(deps: SwarmDeps, maxLines: number): LogFollower {
  const streams = new Map<string, NodeJS.ReadableStream & { destroy?: () => void }>();
  const slots = new Map<string, number>();
  let closed = false;

  const slotOf = async (task: string): Promise<number | undefined> => {
    if (!slots.has(task)) {
      const t = await deps.docker.getTask(task).inspect().catch(() => undefined) as { Slot?: number } | undefined;
      if (t?.Slot !== undefined) slots.set(task, t.Slot);
    }
    return slots.get(task);
  };

  async function start(app: string, svc: ServiceView): Promise<void> {
    const last = await deps.redis.client.hget(cursorKey(deps), svc.id);
    const since = last ? Math.floor(Date.parse(last) / 1000) : 0;
    const stream = (await deps.docker.getService(svc.id).logs({ follow: true, stdout: true, stderr: true, timestamps: true, details: true, since } as never)) as unknown as NodeJS.ReadableStream;
    if (closed) return void (stream as { destroy?: () => void }).destroy?.();
    streams.set(svc.id, stream);
    const flush = copyDockerLog(deps.docker, stream, {
      redis: deps.redis, app, maxLines, cursor: { key: cursorKey(deps), field: svc.id }, last,
      parse(raw) {
        // "<time> <attrs> <line>"
        const a = raw.indexOf(' ');
        const b = raw.indexOf(' ', a + 1);
        const task = TASK_ATTR.exec(raw.slice(a + 1, b < 0 ? undefined : b))?.[1];
        const slot = task ? slots.get(task) : undefined;
        const process = slot !== undefined ? `${svc.type}.${slot}` : task ? `${UNNAMED}${task}` : `${svc.type}.0`;
        return { time: raw.slice(0, a), process, line: b < 0 ? '' : raw.slice(b + 1) };
      },
      async settle(lines) {
        return Promise.all(lines.map(async (l) => {
          if (!l.process.startsWith(UNNAMED)) return l;
          return { ...l, process: `${svc.type}.${(await slotOf(l.process.slice(UNNAMED.length))) ?? 0}` };
        }));
      },
    });
    const done = () => { flush(); streams.delete(svc.id); };
    stream.on('end', done);
    stream.on('error', done);
  }

  return {
    follow(app, svc) {
      if (closed || streams.has(svc.id)) return;
      streams.set(svc.id, new PassThrough()); // placeholder against a double start
      void start(app, svc).catch(() => streams.delete(svc.id));
    },
    learnSlots(tasks) {
      // Every restart is a new task: forget the old ones now and then (a miss costs one inspect).
      if (slots.size > 10_000) slots.clear();
      for (const t of tasks) slots.set(t.id, t.slot);
    },
    close() {
      closed = true;
      for (const s of streams.values()) s.destroy?.();
      streams.clear();
    },
  };
}
