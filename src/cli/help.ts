// Help text: the command list for `berth help`, and each command's own
// usage, options and examples for `berth <command> --help`.
import type { FlagSpec } from './args.js';
import type { Command, Registry } from './registry.js';

export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', type: 'boolean', description: 'show this help' };
export const APP_FLAG: FlagSpec = { name: 'app', short: 'a', type: 'string', valueName: '<app>', description: 'the app (instead of the first argument)' };
export const JSON_FLAG: FlagSpec = { name: 'json', type: 'boolean', description: 'print the raw API response as JSON' };

/** Every flag a command accepts: its own plus --app, --json and --help. */
export function flagsOf(cmd: Command): FlagSpec[] {
  return [...(cmd.flags ?? []), ...(cmd.app ? [APP_FLAG] : []), ...(cmd.json ? [JSON_FLAG] : []), HELP_FLAG];
}

export function usageLine(cmd: Command): string {
  return ['berth', cmd.name, cmd.app ? '<app>' : '', cmd.usage ?? ''].filter(Boolean).join(' ');
}

function flagLabel(f: FlagSpec): string {
  const long = `--${f.name}${f.type === 'string' ? ` ${f.valueName ?? '<value>'}` : ''}`;
  return f.short ? `-${f.short}, ${long}` : `    ${long}`;
}

/** Wraps prose at `width` columns, keeping the author's line breaks. */
export function wrap(text: string, width = 78): string {
  return text.split('\n').map((para) => {
    const lines: string[] = [];
    let line = '';
    for (const word of para.split(' ')) {
      if (line && line.length + 1 + word.length > width) { lines.push(line); line = word; } else line = line ? `${line} ${word}` : word;
    }
    return [...lines, line].join('\n');
  }).join('\n');
}

export function commandHelp(cmd: Command): string {
  const flags = flagsOf(cmd);
  const width = Math.max(...flags.map((f) => flagLabel(f).length));
  const parts = [`Usage: ${usageLine(cmd)}`, '', wrap(cmd.description ?? cmd.summary)];
  if (cmd.aliases?.length) parts.push('', `Aliases: ${cmd.aliases.join(', ')}`);
  parts.push('', 'Options:', ...flags.map((f) => `  ${flagLabel(f).padEnd(width)}  ${f.description}`));
  if (cmd.examples.length) parts.push('', 'Examples:', ...cmd.examples.map((e) => `  $ ${e}`));
  return parts.join('\n');
}

export function generalHelp(registry: Registry): string {
  const label = (c: Command) => [c.name, c.app ? '<app>' : '', c.usage ?? ''].filter(Boolean).join(' ');
  const width = Math.min(44, Math.max(...registry.commands.map((c) => label(c).length)));
  const lines = ['Usage: berth <command> [<app>] [options]', ''];
  for (const group of registry.groups) {
    lines.push(`${group.title}:`);
    for (const c of group.commands) {
      const l = label(c);
      lines.push(l.length > width ? `  ${l}\n  ${''.padEnd(width)}  ${c.summary}` : `  ${l.padEnd(width)}  ${c.summary}`);
    }
    lines.push('');
  }
  // Other spellings a Dokku or Heroku user types, each the same command.
  const aliased = registry.commands.map((c) => [c.name, (c.aliases ?? []).filter((a) => !a.startsWith('-'))] as const).filter(([, a]) => a.length);
  if (aliased.length) {
    lines.push('Aliases (the names Dokku and Heroku use):', ...aliased.map(([n, a]) => `  ${n.padEnd(width)}  ${a.join(', ')}`), '');
  }
  lines.push(
    'Server:',
    `  ${'server [--role api,router,worker]'.padEnd(width)}  Run Berth itself in the foreground (npm start)`,
    '',
    'Every command takes --help; read commands take --json for scripts.',
    '<app> may also be given as --app/-a <app>.',
    'The server and token come from BERTH_URL and BERTH_TOKEN, or from berth login;',
    'as root on the Berth host, from the local server and its admin token (as dokku).',
    'Tokens: berth tokens:create (scopes admin, read, deploy:<app>); SSH push: berth keys:add.',
  );
  return lines.join('\n');
}

/** Just the names, for the unknown-command message. */
export function commandNames(registry: Registry): string {
  return registry.groups.map((g) => `  ${g.commands.map((c) => c.name).join(', ')}`).join('\n');
}
