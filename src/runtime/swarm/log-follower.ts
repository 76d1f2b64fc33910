// Copies every service's output (from tasks on any node: the manager
// gathers them) into the app's log stream, tagged `web.1`-style from the
// task's slot. A cursor per service lets a restarted server carry on.
import { PassThrough } from 'node:stream';
import { copyDockerLog } from '../log-copy.js';
import type { ServiceView, SwarmDeps } from './services.js';

const cursorKey = (deps: SwarmDeps) => deps.redis.key('logs', 'swarm-cursor');
const TASK_ATTR = /(?:^|,)com\.docker\.swarm\.task\.id=([a-z0-9]+)/;

export interface LogFollower {
  follow(app: string, service: ServiceView, slotOf: (taskId: string) => number | undefined): void;
  close(): void;
}

export function logFollower(deps: SwarmDeps, maxLines: number): LogFollower {
  const streams = new Map<string, NodeJS.ReadableStream & { destroy?: () => void }>();
  let closed = false;

  async function start(app: string, svc: ServiceView, slotOf: (taskId: string) => number | undefined): Promise<void> {
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
        const slot = task ? slotOf(task) : undefined;
        return { time: raw.slice(0, a), process: `${svc.type}.${slot ?? 0}`, line: b < 0 ? '' : raw.slice(b + 1) };
      },
    });
    const done = () => { flush(); streams.delete(svc.id); };
    stream.on('end', done);
    stream.on('error', done);
  }

  return {
    follow(app, svc, slotOf) {
      if (closed || streams.has(svc.id)) return;
      streams.set(svc.id, new PassThrough()); // placeholder against a double start
      void start(app, svc, slotOf).catch(() => streams.delete(svc.id));
    },
    close() {
      closed = true;
      for (const s of streams.values()) s.destroy?.();
      streams.clear();
    },
  };
}
