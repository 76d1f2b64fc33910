// domains, domains:add, domains:remove — custom hostnames routed to the app,
// besides its own <app>.<domain>.
import { usageError } from '../args.js';
import { seg } from '../client.js';
import { withSpinner } from '../spinner.js';
import type { Command, CommandGroup } from '../registry.js';

// A loose check so a typo (a URL, a port) fails before any request; the
// server has the last word.
const HOSTNAME = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

function hostname(raw: string): string {
  if (!HOSTNAME.test(raw)) throw usageError(`"${raw}" is not a hostname`, 'give just the name, for example: www.example.com');
  return raw.toLowerCase();
}

const list: Command = {
  name: 'domains',
  aliases: ['domains:list', 'domains:report'],
  summary: 'List the app\'s custom domains',
  examples: ['berth domains my-app'],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const body = await (await api()).request<{ domains: string[] }>('GET', `/apps/${seg(app)}/domains`);
    if (flags.json) return out.json(body);
    out.header(`${app} Custom Domains`);
    if (body.domains.length === 0) out.info(`${app} has no custom domains. Add one with berth domains:add ${app} www.example.com`);
    for (const d of body.domains) out.line(d);
  },
};

const add: Command = {
  name: 'domains:add',
  summary: 'Route a custom hostname to the app',
  usage: '<hostname>',
  description: 'Routes requests for the hostname to the app. Point the name\'s DNS at the Berth server.',
  examples: ['berth domains:add my-app www.example.com'],
  app: true,
  json: true,
  args: [1, 1],
  async run({ api, app, args, out, flags }) {
    const host = hostname(args[0]!);
    const client = await api();
    const body = await withSpinner(out, `Adding ${host} to ${app}`,
      () => client.request('POST', `/apps/${seg(app)}/domains`, { body: { hostname: host } }));
    if (flags.json) return out.json(body);
    out.line(`${host} now routes to ${app}`);
  },
};

const remove: Command = {
  name: 'domains:remove',
  summary: 'Stop routing a custom hostname to the app',
  usage: '<hostname>',
  examples: ['berth domains:remove my-app www.example.com'],
  app: true,
  json: true,
  args: [1, 1],
  async run({ api, app, args, out, flags }) {
    const host = hostname(args[0]!);
    const client = await api();
    const body = await withSpinner(out, `Removing ${host} from ${app}`,
      () => client.request('DELETE', `/apps/${seg(app)}/domains/${seg(host)}`));
    if (flags.json) return out.json(body ?? {});
    out.line(`${host} no longer routes to ${app}`);
  },
};

export const domainsGroup: CommandGroup = { title: 'Domains', commands: [list, add, remove] };
