// services, services:create, services:info, services:link, services:unlink,
// services:promote, services:logs, services:restart, services:destroy:
// backing services (postgres, redis) linked to apps by a URL config var.
import { BerthError } from '../../shared/errors.js';
import { seg } from '../client.js';
import { ago } from '../output.js';
import { withSpinner } from '../spinner.js';
import { renderKeyValues, renderTable } from '../table.js';
import type { Command, CommandGroup, CommandContext } from '../registry.js';

interface ServiceInfo {
  name: string; kind: string; image: string; createdAt: string; status: string; health: string | null;
  version: string | null; sizeBytes: number | null; host: string; links: { app: string; envVar: string }[]; lastBackup: unknown;
}
interface LinkResult { service: string; app: string; envVar: string; release?: number; log: string[] }

const statusText = (s: ServiceInfo) => (s.health && s.status === 'running' ? `${s.status} (${s.health})` : s.status);
const linksText = (s: ServiceInfo) => s.links.map((l) => `${l.app} (${l.envVar})`).join(', ') || 'none';
function sizeText(bytes: number | null): string {
  if (bytes === null) return 'unknown';
  const units = ['B', 'KB', 'MB', 'GB'];
  let n = bytes; let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
function backupText(b: unknown): string {
  if (!b || typeof b !== 'object') return 'none';
  const o = b as Record<string, unknown>;
  return [o.id, o.status, o.at ?? o.finishedAt].filter((x) => typeof x === 'string').join(' ') || JSON.stringify(b);
}

const list: Command = {
  name: 'services',
  aliases: ['services:list'],
  summary: 'List backing services',
  examples: ['berth services', 'berth services --json'],
  json: true,
  async run({ api, out, flags }) {
    const body = await (await api()).request<{ services: ServiceInfo[] }>('GET', '/services');
    if (flags.json) return out.json(body);
    if (body.services.length === 0) return out.info('There are no services yet. Create one with berth services:create postgres db');
    out.header('Services');
    out.line(renderTable(['Name', 'Kind', 'Status', 'Linked to', 'Created'],
      body.services.map((s) => [s.name, s.kind, statusText(s), linksText(s), ago(Date.parse(s.createdAt))])));
  },
};

const create: Command = {
  name: 'services:create',
  summary: 'Create a postgres or redis service',
  usage: '<kind> <name>',
  description: 'Starts the service with its own volume, network and generated password, and returns once it accepts connections. '
    + 'The first service of a kind may build its image first (a few minutes).',
  examples: ['berth services:create postgres db', 'berth services:create redis cache'],
  json: true,
  args: [2, 2],
  async run({ api, args, out, flags }) {
    const [kind, name] = [args[0]!, args[1]!];
    const client = await api();
    const body = await withSpinner(out, `Creating ${kind} service ${name}`,
      () => client.request<{ service: ServiceInfo; log: string[] }>('POST', '/services', { body: { kind, name } }));
    if (flags.json) return out.json(body);
    for (const l of body.log) out.line(l);
    out.line(`${name} is ready (${body.service.kind} ${body.service.version ?? ''}).`.replace(' )', ')'));
    out.line(`Link it to an app with: berth services:link ${name} <app>`);
  },
};

const info: Command = {
  name: 'services:info',
  summary: 'Show a service: status, version, size on disk, links, last backup',
  usage: '<name>',
  examples: ['berth services:info db'],
  json: true,
  args: [1, 1],
  async run({ api, args, out, flags }) {
    const { service: s } = await (await api()).request<{ service: ServiceInfo }>('GET', `/services/${seg(args[0]!)}`);
    if (flags.json) return out.json({ service: s });
    out.header(s.name);
    out.line(renderKeyValues([
      ['Kind', s.kind], ['Status', statusText(s)], ['Version', s.version ?? 'unknown'], ['Size on disk', sizeText(s.sizeBytes)],
      ['Host', s.host], ['Linked to', linksText(s)], ['Last backup', backupText(s.lastBackup)], ['Image', s.image], ['Created', s.createdAt],
    ]));
  },
};

function linkCommand(name: string, summary: string, description: string, verb: string, send: (ctx: CommandContext) => Promise<LinkResult>): Command {
  return {
    name, summary, description, usage: '<name> <app>', json: true, args: [2, 2],
    examples: [`berth ${name} db my-app`],
    async run(ctx) {
      const body = await withSpinner(ctx.out, `${verb} ${ctx.args[0]} ${name === 'services:unlink' ? 'from' : 'to'} ${ctx.args[1]}`, () => send(ctx));
      if (ctx.flags.json) return ctx.out.json(body);
      for (const l of body.log) ctx.out.line(l);
      const rel = body.release ? ` (v${body.release})` : '';
      ctx.out.line(name === 'services:unlink' ? `${body.app} no longer has ${body.envVar}${rel}` : `${body.app} has ${body.envVar} pointing at ${body.service}${rel}`);
    },
  };
}

const link = linkCommand('services:link', 'Link a service to an app (sets DATABASE_URL / REDIS_URL)',
  'Makes the service reachable from the app\'s processes and one-offs, and sets its URL in a new release with zero downtime: '
  + 'DATABASE_URL (postgres) or REDIS_URL (redis) for the app\'s first service of that kind, <NAME>_URL for any other.', 'Linking',
  async ({ api, args }) => (await api()).request<LinkResult>('POST', `/services/${seg(args[0]!)}/links`, { body: { app: args[1] } }));
const unlink = linkCommand('services:unlink', 'Unlink a service from an app', 'Unsets the service\'s var in a new release, then cuts the app off from it.', 'Unlinking',
  async ({ api, args }) => (await api()).request<LinkResult>('DELETE', `/services/${seg(args[0]!)}/links/${seg(args[1]!)}`));
const promote = linkCommand('services:promote', 'Make a linked service the app\'s DATABASE_URL / REDIS_URL',
  'The service that held the var keeps a <NAME>_URL, as Dokku\'s postgres:promote.', 'Promoting',
  async ({ api, args }) => (await api()).request<LinkResult>('POST', `/services/${seg(args[0]!)}/promote`, { body: { app: args[1] } }));

const logs: Command = {
  name: 'services:logs',
  summary: 'Show a service\'s last log lines',
  usage: '<name>',
  examples: ['berth services:logs db', 'berth services:logs db --num 500'],
  json: true,
  args: [1, 1],
  flags: [{ name: 'num', short: 'n', type: 'string', valueName: '<lines>', description: 'how many lines (default 100, at most 10000)' }],
  async run({ api, args, out, flags }) {
    const body = await (await api()).request<{ lines: string[] }>('GET', `/services/${seg(args[0]!)}/logs`, { query: { lines: flags.num as string | undefined } });
    if (flags.json) return out.json(body);
    for (const l of body.lines) out.line(l);
  },
};

const restart: Command = {
  name: 'services:restart',
  summary: 'Restart a service (its data stays)',
  usage: '<name>',
  examples: ['berth services:restart db'],
  json: true,
  args: [1, 1],
  async run({ api, args, out, flags }) {
    const client = await api();
    const body = await withSpinner(out, `Restarting ${args[0]}`, () => client.request('POST', `/services/${seg(args[0]!)}/restart`));
    if (flags.json) return out.json(body);
    out.line(`${args[0]} restarted and accepts connections`);
  },
};

const destroy: Command = {
  name: 'services:destroy',
  summary: 'Destroy a service and its data',
  usage: '<name> --confirm <name>',
  description: 'Removes the service, its container and its data volume. Refused while any app is linked to it.',
  examples: ['berth services:destroy db --confirm db'],
  json: true,
  args: [1, 1],
  flags: [{ name: 'confirm', type: 'string', valueName: '<name>', description: 'the service\'s name again, to confirm' }],
  async run({ api, args, out, flags }) {
    const name = args[0]!;
    if (flags.confirm !== name) {
      const why = flags.confirm === undefined ? 'This destroys' : `--confirm ${String(flags.confirm)} does not match the service. This would destroy`;
      throw new BerthError('confirmation_required', `${why} ${name} and all of its data.`, { hint: `to proceed, run: berth services:destroy ${name} --confirm ${name}` });
    }
    const client = await api();
    const body = await withSpinner(out, `Destroying ${name}`, () => client.request('DELETE', `/services/${seg(name)}`, { query: { confirm: name } }));
    if (flags.json) return out.json(body);
    out.line(`${name} destroyed`);
  },
};

export const servicesGroup: CommandGroup = { title: 'Backing services', commands: [list, create, info, link, unlink, promote, logs, restart, destroy] };
