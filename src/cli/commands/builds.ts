// builds, builds:output (replay, or follow with -t), builds:cache-clear
import { seg } from '../client.js';
import { ago, duration } from '../output.js';
import { eventJson } from '../sse.js';
import { withSpinner } from '../spinner.js';
import { renderTable, truncate } from '../table.js';
import type { Command, CommandGroup } from '../registry.js';

interface BuildRow {
  id: string; rev: string; status: string; createdAt: number; startedAt?: number; finishedAt?: number; release?: number; error?: string; worker?: string;
}

const took = (b: BuildRow) => (b.finishedAt && (b.startedAt ?? b.createdAt) ? duration((b.finishedAt - (b.startedAt ?? b.createdAt)) / 1000) : '');

const list: Command = {
  name: 'builds',
  aliases: ['builds:list'],
  summary: 'List the app\'s builds, newest first',
  examples: ['berth builds my-app'],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const body = await (await api()).request<{ builds: BuildRow[] }>('GET', `/apps/${seg(app)}/builds`);
    if (flags.json) return out.json(body);
    out.header(`${app} Builds`);
    if (body.builds.length === 0) {
      out.info(`${app} has no builds yet: git push to build it.`);
      return;
    }
    out.line(renderTable(['ID', 'Status', 'Rev', 'Release', 'Worker', 'Created', 'Took', 'Error'], body.builds.map((b) => [
      b.id, b.status === 'failed' ? out.paint('red', b.status) : b.status, (b.rev ?? '').slice(0, 7),
      b.release ? `v${b.release}` : '', b.worker ?? '', ago(b.createdAt), took(b), truncate(b.error ?? '', 60),
    ])));
  },
};

const output: Command = {
  name: 'builds:output',
  summary: 'Replay a build\'s log (-t to follow a running one)',
  usage: '[ID] [-t]',
  description: 'Prints the kept log of a build, the latest by default. With -t it follows a running build to its end,\n'
    + 'and exits non-zero if the build failed.',
  examples: ['berth builds:output my-app', 'berth builds:output my-app 3f2a9c -t'],
  flags: [{ name: 'tail', short: 't', type: 'boolean', description: 'follow the build until it ends' }],
  app: true,
  json: true,
  args: [0, 1],
  async run({ api, app, args, out, flags, interrupted }) {
    const client = await api();
    const path = `/apps/${seg(app)}/builds/${seg(args[0] ?? 'latest')}/output`;
    if (!flags.tail) {
      const body = await client.request<{ build: BuildRow; lines: string[] }>('GET', path);
      if (flags.json) return out.json(body);
      for (const l of body.lines) out.line(l);
      return;
    }
    const signal = interrupted();
    try {
      for await (const ev of await client.stream('GET', path, { query: { follow: 1 }, signal })) {
        if (flags.json) out.line(JSON.stringify({ event: ev.event, data: eventJson(ev) }));
        else if (ev.event === 'message') out.line(eventJson<{ line: string }>(ev).line);
        if (ev.event === 'end') return eventJson<{ status: string }>(ev).status === 'succeeded' ? 0 : 1;
      }
    } catch (err) {
      if (signal.aborted) return 0;
      throw err;
    }
    return signal.aborted ? 0 : 1;
  },
};

interface WorkerRow {
  name: string; host: string; state: string; concurrency: number; building: string[]; lastSeen: number;
}

const workers: Command = {
  name: 'workers',
  summary: 'List the build workers: concurrency, current builds, last seen',
  description: 'Every `berth server` that takes builds beats in Redis; one that stopped beating shows as gone for a day.',
  examples: ['berth workers'],
  json: true,
  async run({ api, out, flags }) {
    const body = await (await api()).request<{ workers: WorkerRow[] }>('GET', '/workers');
    if (flags.json) return out.json(body);
    out.header('Build workers');
    if (body.workers.length === 0) {
      out.info('No build worker is running: start `berth server` (or `berth server --role worker` on a build host).');
      return;
    }
    out.line(renderTable(['Name', 'Host', 'State', 'Concurrency', 'Building', 'Last seen'], body.workers.map((w) => [
      w.name, w.host, w.state === 'gone' ? out.paint('red', w.state) : w.state, w.state === 'up' ? String(w.concurrency) : '',
      w.building.join(' ') || (w.state === 'up' ? 'idle' : ''), ago(w.lastSeen),
    ])));
  },
};

const cacheClear: Command = {
  name: 'builds:cache-clear',
  summary: 'Empty the app\'s build cache',
  description: 'Removes the cache the next build would reuse (buildpack caches), so it starts from scratch.',
  examples: ['berth builds:cache-clear my-app'],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const client = await api();
    const body = await withSpinner(out, `Clearing the build cache of ${app}`, () => client.request('DELETE', `/apps/${seg(app)}/builds/cache`));
    if (flags.json) return out.json(body ?? {});
    out.line(`The next build of ${app} starts without a cache.`);
  },
};

export const buildsGroup: CommandGroup = { title: 'Builds', commands: [list, output, cacheClear, workers] };
