// config, config:get, config:set, config:unset. Each change is a new
// release, deployed with zero downtime unless --no-restart.
import { parseConfigPair, usageError } from '../args.js';
import { seg } from '../client.js';
import { listing, type Output } from '../output.js';
import { withSpinner } from '../spinner.js';
import { renderKeyValues } from '../table.js';
import type { Command, CommandContext, CommandGroup } from '../registry.js';

interface ChangeResult { config: Record<string, string>; release?: { version: number } }

const NO_RESTART = { name: 'no-restart', type: 'boolean', description: 'record the new release without restarting (it applies at the next restart or deploy)' } as const;

/** `'it'\''s'`: safe to paste into sh, bash and zsh. */
export const shellQuote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

function printVars(out: Output, vars: Record<string, string>): void {
  out.line(renderKeyValues(Object.entries(vars).sort(([a], [b]) => a.localeCompare(b))));
}

const show: Command = {
  name: 'config',
  aliases: ['config:list', 'config:show'],
  summary: 'Show the app\'s config vars',
  usage: '[--shell]',
  examples: ['berth config my-app', 'berth config my-app --shell > .env'],
  flags: [{ name: 'shell', short: 's', type: 'boolean', description: 'print KEY=\'value\' lines for a shell or .env file' }],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const body = await (await api()).request<{ config: Record<string, string> }>('GET', `/apps/${seg(app)}/config`);
    if (flags.json) return out.json(body);
    if (flags.shell) {
      for (const [k, v] of Object.entries(body.config).sort(([a], [b]) => a.localeCompare(b))) out.line(`${k}=${shellQuote(v)}`);
      return;
    }
    out.header(`${app} Config Vars`);
    if (Object.keys(body.config).length === 0) out.info(`${app} has no config vars. Set some with berth config:set ${app} KEY=value`);
    else printVars(out, body.config);
  },
};

const get: Command = {
  name: 'config:get',
  summary: 'Print one config var\'s value',
  usage: 'KEY',
  examples: ['berth config:get my-app DATABASE_URL'],
  app: true,
  json: true,
  args: [1, 1],
  async run({ api, app, args, out, flags }) {
    const body = await (await api()).request<{ key: string; value: string }>('GET', `/apps/${seg(app)}/config/${seg(args[0]!)}`);
    if (flags.json) return out.json(body);
    out.line(body.value);
  },
};

/** The PUT/DELETE with a progress line, then the vars the server now holds. */
async function change(ctx: CommandContext, verb: string, keys: string[], call: (restart: boolean) => Promise<ChangeResult>) {
  const restart = !ctx.flags['no-restart'];
  const label = `${verb} ${listing(keys)} ${restart ? `and restarting ${ctx.app}` : `on ${ctx.app} (no restart)`}`;
  const body = await withSpinner(ctx.out, label, () => call(restart), (r) => (r.release ? `, v${r.release.version}` : ''));
  if (ctx.flags.json) return ctx.out.json(body);
  if (!body.release) ctx.out.info(`${ctx.app} has no release yet: the vars apply from its first deploy.`);
}

/**
 * `--encoded` (Dokku's): the value is base64. Decoded here, in the CLI, so
 * the API keeps taking plain values; refused unless it is canonical base64
 * of UTF-8 text, since Buffer.from would silently skip bad characters.
 */
export function decodeConfigValue(key: string, value: string): string {
  // Line breaks are skipped, as `base64 -d` does, so `$(base64 file)` works unwrapped or not.
  const compact = value.replace(/\r?\n/g, '');
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.toString('base64') !== compact) {
    // The value is not echoed: it is likely a secret.
    throw usageError(`${key}: its value is not valid base64, and --encoded takes base64 values`,
      `encode it with: printf %s 'the value' | base64 -w0`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw usageError(`${key}: the --encoded value decodes to bytes that are not UTF-8 text`, 'config vars are text; base64-encode the text itself');
  }
}

const set: Command = {
  name: 'config:set',
  summary: 'Set config vars (a new release)',
  usage: 'KEY=value... [--encoded] [--no-restart]',
  description: 'Sets one or more config vars. This makes a new release, and restarts the app\'s processes '
    + 'with zero downtime (new ones are health-checked before the old ones stop), unless --no-restart.\n'
    + 'With --encoded, as on Dokku, every value is base64 (for values with newlines or quotes): the CLI decodes '
    + 'them before anything is sent, and refuses a value that is not valid base64.',
  examples: ['berth config:set my-app GREETING=hello', 'berth config:set my-app A=1 B=\'two words\' --no-restart',
    'berth config:set my-app --encoded KEY_PEM="$(base64 -w0 key.pem)"'],
  flags: [NO_RESTART, { name: 'encoded', type: 'boolean', description: 'the values are base64-encoded; decode them first (Dokku\'s --encoded)' }],
  app: true,
  json: true,
  args: [1, Infinity],
  async run(ctx) {
    // Every pair is checked before anything is sent: all or nothing.
    const pairs = ctx.args.map(parseConfigPair);
    const vars = Object.fromEntries(ctx.flags.encoded ? pairs.map(([k, v]) => [k, decodeConfigValue(k, v)]) : pairs);
    const client = await ctx.api();
    await change(ctx, 'Setting', Object.keys(vars), (restart) =>
      client.request<ChangeResult>('PUT', `/apps/${seg(ctx.app)}/config`, { body: { vars, restart } }));
    if (!ctx.flags.json) printVars(ctx.out, vars);
  },
};

const unset: Command = {
  name: 'config:unset',
  aliases: ['config:remove'],
  summary: 'Unset config vars (a new release)',
  usage: 'KEY... [--no-restart]',
  examples: ['berth config:unset my-app GREETING', 'berth config:unset my-app A B --no-restart'],
  flags: [NO_RESTART],
  app: true,
  json: true,
  args: [1, Infinity],
  async run(ctx) {
    for (const k of ctx.args) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw usageError(`invalid config var name "${k}"`, 'give names only, for example: berth config:unset my-app GREETING');
    }
    const client = await ctx.api();
    await change(ctx, 'Unsetting', [...ctx.args], (restart) =>
      client.request<ChangeResult>('DELETE', `/apps/${seg(ctx.app)}/config`, { query: { keys: ctx.args.join(','), restart } }));
  },
};

export const configGroup: CommandGroup = { title: 'Config vars', commands: [show, get, set, unset] };
