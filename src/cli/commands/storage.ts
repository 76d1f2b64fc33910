// storage:list, storage:mount, storage:unmount, storage:strategy and
// storage:ensure-directory, as Dokku's storage plugin. A mount change is a
// new release, deployed as a config change is.
import { seg } from '../client.js';
import { withSpinner } from '../spinner.js';
import { renderTable } from '../table.js';
import type { Command, CommandGroup } from '../registry.js';

interface MountView { kind: string; source: string; target: string; processes?: string[]; volume?: string }
interface ListBody { mounts: MountView[]; deployStrategy: string; volumes: string[]; root: string }
interface ChangeBody { mount: MountView; release?: number }

const spec = (m: MountView) => `${m.source}:${m.target}`;

const list: Command = {
  name: 'storage:list',
  aliases: ['storage', 'storage:report'],
  summary: 'List the app\'s storage mounts',
  examples: ['berth storage:list my-app'],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const body = await (await api()).request<ListBody>('GET', `/apps/${seg(app)}/storage`);
    if (flags.json) return out.json(body);
    out.header(`${app} Storage`);
    if (body.mounts.length === 0) out.info(`${app} has no mounts. Add one with berth storage:mount ${app} uploads:/app/uploads`);
    else {
      out.line(renderTable(['mount', 'kind', 'processes', 'volume'],
        body.mounts.map((m) => [spec(m), m.kind, m.processes?.join(',') ?? 'all', m.volume ?? '-'])));
    }
    out.line(`Deploy strategy: ${body.deployStrategy}`);
    const unused = body.volumes.filter((v) => !body.mounts.some((m) => m.volume === v));
    if (unused.length) out.line(`Unmounted volumes kept: ${unused.join(' ')}`);
  },
};

const mount: Command = {
  name: 'storage:mount',
  summary: 'Mount a volume or a storage directory into the app',
  usage: '<name-or-dir>:<container-path> [--process web,worker] [--stop-first]',
  description: 'A bare name is a Docker volume Berth keeps for the app (berth-storage-<app>-<name>); a directory\n'
    + 'must lie under Berth\'s storage root (see storage:ensure-directory). Takes effect with a new release.\n'
    + '--stop-first makes this app\'s deploys stop the old processes before new ones start (downtime),\n'
    + 'for apps that cannot share their files between two processes, such as SQLite with two writers.',
  examples: ['berth storage:mount my-app uploads:/app/uploads', 'berth storage:mount my-app /var/lib/berth/storage/my-app:/app/data --process web'],
  flags: [
    { name: 'process', short: 'p', type: 'string', valueName: '<types>', description: 'only these process types (comma-separated); default: all' },
    { name: 'stop-first', type: 'boolean', description: 'deploy this app stop-first from now on (see storage:strategy)' },
  ],
  app: true,
  json: true,
  args: [1, 1],
  async run({ api, app, args, out, flags }) {
    const client = await api();
    const body = await withSpinner(out, `Mounting ${args[0]} on ${app}`, () => client.request<ChangeBody>('POST', `/apps/${seg(app)}/storage`, {
      body: { mount: args[0], processes: typeof flags.process === 'string' ? flags.process : undefined, stopFirst: flags['stop-first'] === true },
    }), (r) => (r.release ? `, v${r.release}` : ''));
    if (flags.json) return out.json(body);
    if (!body.release) out.info(`${app} has no release yet: the mount applies from its first deploy.`);
  },
};

const unmount: Command = {
  name: 'storage:unmount',
  summary: 'Remove a mount from the app (its files are kept)',
  usage: '<name-or-dir>:<container-path>',
  examples: ['berth storage:unmount my-app uploads:/app/uploads'],
  app: true,
  json: true,
  args: [1, 1],
  async run({ api, app, args, out, flags }) {
    const client = await api();
    const body = await withSpinner(out, `Unmounting ${args[0]} from ${app}`,
      () => client.request<ChangeBody>('DELETE', `/apps/${seg(app)}/storage`, { query: { mount: args[0] } }), (r) => (r.release ? `, v${r.release}` : ''));
    if (flags.json) return out.json(body);
    if (body.mount.kind === 'volume') out.info(`The volume ${body.mount.volume ?? body.mount.source} is kept; apps:destroy --purge-storage removes it.`);
  },
};

const strategy: Command = {
  name: 'storage:strategy',
  summary: 'Deploy start-first (zero downtime, default) or stop-first',
  usage: '<start-first|stop-first>',
  description: 'start-first: new processes start and take traffic before the old ones drain, so both share the\n'
    + 'mounts for a moment. stop-first: the old processes stop first; requests fail until the new ones are up.',
  examples: ['berth storage:strategy my-app stop-first'],
  app: true,
  json: true,
  args: [1, 1],
  async run({ api, app, args, out, flags }) {
    const body = await (await api()).request('PUT', `/apps/${seg(app)}/storage/strategy`, { body: { strategy: args[0] } });
    if (flags.json) return out.json(body);
    out.line(`${app} now deploys ${args[0]}`);
  },
};

const ensureDirectory: Command = {
  name: 'storage:ensure-directory',
  summary: 'Make a directory under the storage root, owned by the app user',
  usage: '<name>',
  examples: ['berth storage:ensure-directory my-app-data'],
  json: true,
  args: [1, 1],
  async run({ api, args, out, flags }) {
    const body = await (await api()).request<{ path: string; created: boolean; uid: number }>('POST', '/storage/directories', { body: { name: args[0] } });
    if (flags.json) return out.json(body);
    out.line(`${body.created ? 'Made' : 'Kept'} ${body.path} (owner uid ${body.uid}); mount it with: berth storage:mount <app> ${body.path}:/app/<dir>`);
  },
};

export const storageGroup: CommandGroup = { title: 'Storage', commands: [list, mount, unmount, strategy, ensureDirectory] };
