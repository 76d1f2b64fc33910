// apps, apps:create, apps:info, apps:destroy
import { BerthError } from '../../shared/errors.js';
import { seg } from '../client.js';
import { ago, stamp } from '../output.js';
import { withSpinner } from '../spinner.js';
import { renderKeyValues, renderTable } from '../table.js';
import type { Command, CommandGroup } from '../registry.js';

interface AppSummary { name: string; createdAt: number; currentRelease: number; url: string }
interface AppInfo extends AppSummary {
  gitUrl?: string;
  formation?: Record<string, number>;
  domains?: string[];
  processes?: number | unknown[];
  standby?: number;
  processTypes?: Record<string, string | null>;
  storage?: { mount: string; processes: string[] | null }[];
}

const release = (v: number | undefined) => (v ? `v${v}` : 'none');
export const formationText = (f: Record<string, number> | undefined) =>
  Object.entries(f ?? {}).map(([t, n]) => `${t}=${n}`).join(' ') || 'none';

/** The git remote for an app: the API's origin, with the token left out. */
export function gitRemote(baseUrl: string, app: string): string {
  const u = new URL(baseUrl);
  return `${u.protocol}//berth:<token>@${u.host}/${app}.git`;
}

const list: Command = {
  name: 'apps',
  aliases: ['apps:list'],
  summary: 'List apps',
  description: 'Lists every app on the server with its current release and URL.',
  examples: ['berth apps', 'berth apps --json'],
  json: true,
  async run({ api, out, flags }) {
    const body = await (await api()).request<{ apps: AppSummary[] }>('GET', '/apps');
    if (flags.json) return out.json(body);
    if (body.apps.length === 0) {
      out.info('You have no apps yet. Create one with berth apps:create <app>, or just git push to a new one.');
      return;
    }
    out.header('Apps');
    out.line(renderTable(['Name', 'Release', 'URL', 'Created'],
      body.apps.map((a) => [a.name, release(a.currentRelease), a.url, ago(a.createdAt)])));
  },
};

const create: Command = {
  name: 'apps:create',
  aliases: ['create'],
  summary: 'Create an app',
  description: 'Creates an empty app. A first git push to a new name creates the app too.',
  examples: ['berth apps:create my-app'],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const client = await api();
    const body = await withSpinner(out, `Creating ${app}`, () => client.request<{ app: AppSummary }>('POST', '/apps', { body: { name: app } }));
    if (flags.json) return out.json(body);
    const remote = gitRemote(client.baseUrl, body.app.name);
    out.line(`${body.app.url} | ${remote}`);
    out.info('\nDeploy it with git (put your token, BERTH_TOKEN, in place of <token>):');
    out.info(`  git remote add berth ${remote}`);
    out.info('  git push berth main');
  },
};

const info: Command = {
  name: 'apps:info',
  aliases: ['info', 'apps:report'],
  summary: 'Show an app: release, URLs, formation, processes',
  examples: ['berth apps:info my-app', 'berth apps:info -a my-app --json'],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const body = await (await api()).request<{ app: AppInfo }>('GET', `/apps/${seg(app)}`);
    if (flags.json) return out.json(body);
    const a = body.app;
    const processes = Array.isArray(a.processes) ? a.processes.length : a.processes;
    out.header(a.name);
    out.line(renderKeyValues([
      ['Web URL', a.url],
      ...(a.gitUrl ? [['Git URL', a.gitUrl] as const] : []),
      ['Release', release(a.currentRelease)],
      ['Formation', formationText(a.formation)],
      ...(a.domains ? [['Domains', a.domains.join(', ') || 'none'] as const] : []),
      ...(processes !== undefined ? [['Processes', `${processes} running${a.standby ? ` (and ${a.standby} of the replaced release standing by)` : ''}`] as const] : []),
      ...(a.storage ? [['Storage', a.storage.map((m) => `${m.mount}${m.processes ? ` (${m.processes.join(',')})` : ''}`).join(', ') || 'none'] as const] : []),
      ['Created', `${stamp(a.createdAt)} (${ago(a.createdAt)})`],
    ]));
  },
};

const destroy: Command = {
  name: 'apps:destroy',
  aliases: ['destroy'],
  summary: 'Destroy an app and everything it has',
  usage: '--confirm <app>',
  description: 'Removes the app\'s containers, images, git repository, routes, build cache, config, releases and logs.\n'
    + 'Its storage volumes are kept (and named) unless --purge-storage.\n'
    + 'It cannot be undone, so the app\'s name must be given again with --confirm.',
  examples: ['berth apps:destroy my-app --confirm my-app'],
  flags: [
    { name: 'confirm', type: 'string', valueName: '<app>', description: 'the app\'s name again, to confirm' },
    { name: 'purge-storage', type: 'boolean', description: 'also remove its storage volumes (kept by default)' },
  ],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    if (flags.confirm !== app) {
      const why = flags.confirm === undefined ? 'This destroys' : `--confirm ${String(flags.confirm)} does not match the app. This would destroy`;
      throw new BerthError('confirmation_required', `${why} ${app}: its containers, images, repository, config, releases and logs, for good.`,
        { hint: `to proceed, run: berth apps:destroy ${app} --confirm ${app}` });
    }
    const client = await api();
    const purge = flags['purge-storage'] === true;
    const body = await withSpinner(out, `Destroying ${app}`, () => client.request<{ keptVolumes?: string[] }>('DELETE', `/apps/${seg(app)}`,
      { query: { confirm: app, 'purge-storage': purge ? 'true' : undefined } }));
    if (flags.json) return out.json(body);
    out.line(`Destroyed ${app}${purge ? ' and its storage volumes' : ''}`);
    const kept = body.keptVolumes ?? [];
    if (kept.length) {
      out.line(`Kept its storage volume${kept.length > 1 ? 's' : ''}: ${kept.join(' ')}`);
      out.line(`Remove with: docker volume rm ${kept.join(' ')} (or destroy with --purge-storage)`);
    }
  },
};

const url: Command = {
  name: 'url',
  aliases: ['apps:url'],
  summary: 'Print the app\'s URL',
  description: 'Prints the URL the app answers at, alone on a line (as Dokku\'s url), for scripts: curl "$(berth url my-app)".',
  examples: ['berth url my-app'],
  app: true,
  async run({ api, app, out }) {
    const body = await (await api()).request<{ app: AppInfo }>('GET', `/apps/${seg(app)}`);
    out.line(body.app.url);
  },
};

export const appsGroup: CommandGroup = { title: 'Apps', commands: [list, create, info, url, destroy] };
