// Copies every process container's output into the app's log stream, tagged
// `web.1`-style, so `berth logs` outlives containers and deploys. A cursor
// per container lets a restarted server pick up where it stopped.
import { PassThrough } from 'node:stream';
import type { Docker } from '../../docker/client.js';
import { inspectContainer, type ContainerView } from '../../docker/containers.js';
import { LABEL } from '../../docker/labels.js';
import type { RedisHandle } from '../../store/redis.js';
import { copyDockerLog } from '../log-copy.js';

export interface LogCollector {
  attach(c: ContainerView): void;
  close(): void;
}

const cursorKey = (r: RedisHandle) => r.key('logs', 'cursor');

export function logCollector(docker: Docker, r: RedisHandle, maxLines: number): LogCollector {
  const attached = new Map<string, NodeJS.ReadableStream>();
  return {
    attach(c) {
      if (attached.has(c.id)) return;
      const app = c.labels[LABEL.app];
      if (!app) return;
      const name = c.env.DYNO ?? c.labels[LABEL.process] ?? 'app';
      attached.set(c.id, new PassThrough()); // placeholder against double attach
      void follow(c.id, app, name).catch(() => attached.delete(c.id));
    },
    close() {
      for (const s of attached.values()) (s as unknown as { destroy?: () => void }).destroy?.();
      attached.clear();
    },
  };

  async function follow(id: string, app: string, name: string): Promise<void> {
    const last = await r.client.hget(cursorKey(r), id);
    const since = last ? Math.floor(Date.parse(last) / 1000) : 0;
    const stream = (await docker.getContainer(id).logs({ follow: true, stdout: true, stderr: true, timestamps: true, since })) as unknown as NodeJS.ReadableStream;
    attached.set(id, stream);
    const flush = copyDockerLog(docker, stream, {
      redis: r, app, maxLines, cursor: { key: cursorKey(r), field: id }, last,
      parse(raw) {
        const sp = raw.indexOf(' ');
        return { time: raw.slice(0, sp), process: name, line: raw.slice(sp + 1) };
      },
    });
    // The stream also ends when the container stops for a restart (its policy,
    // a dockerd restart): its cursor stays, or the next attach would copy all
    // of its earlier output again. Only a removed container's cursor goes.
    stream.on('end', () => {
      flush();
      attached.delete(id);
      void inspectContainer(docker, id).then((c) => (c ? undefined : r.client.hdel(cursorKey(r), id))).catch(() => {});
    });
    stream.on('error', () => attached.delete(id));
  }
}
