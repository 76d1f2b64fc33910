// version, help
import { readFile } from 'node:fs/promises';
import { commandHelp, generalHelp } from '../help.js';
import type { Command, CommandGroup } from '../registry.js';

/** The package's version; this file sits at the same depth in src/ and dist/. */
async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

const version: Command = {
  name: 'version',
  aliases: ['--version', '-v'],
  summary: 'Print the CLI\'s version',
  examples: ['berth version'],
  async run({ out }) {
    out.line(`berth/${await packageVersion()} node-${process.version} ${process.platform}-${process.arch}`);
  },
};

const help: Command = {
  name: 'help',
  summary: 'List the commands, or explain one',
  usage: '[COMMAND]',
  examples: ['berth help', 'berth help config:set'],
  args: [0, 1],
  async run({ out, args, registry }) {
    if (!args[0]) return out.line(generalHelp(registry));
    const cmd = registry.find(args[0]);
    if (cmd) return out.line(commandHelp(cmd));
    const close = registry.suggest(args[0]);
    out.error(`"${args[0]}" is not a berth command.`, close.length ? `Did you mean ${close.join(' or ')}?` : undefined);
    return 1;
  },
};

export const metaGroup: CommandGroup = { title: 'Help', commands: [version, help] };
