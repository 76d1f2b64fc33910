// The `berth` CLI, a client of the REST API and of nothing else:
//   argv -> find the command in the registry (did-you-mean if unknown)
//   -> parse its flags -> --help, or take the app from <app> or --app
//   -> run it against $BERTH_URL/api/v1 -> exit code.
// Every failure, local or from the server, prints ` !     message` (and the
// hint) on stderr and exits non-zero.
import { loadCliConfig, type CliConfig } from '../config/cli.js';
import { BerthError } from '../shared/errors.js';
import { parseArgs, usageError } from './args.js';
import { ApiClient, ServerAnswer } from './client.js';
import { resolveServer } from './credentials.js';
import { commandHelp, commandNames, flagsOf, generalHelp, usageLine } from './help.js';
import { Output, processIo, type CliIo } from './output.js';
import { registry, type Command, type CommandContext } from './registry.js';

export type { CliIo } from './output.js';

/** The command list, for `berth --help` (which also shows `berth server`). */
export const cliHelp = () => generalHelp(registry);

/** Test hook and SIGINT in one: how a streaming command learns of Ctrl-C. */
export interface RunCliOptions {
  readonly onInterrupt?: (stop: () => void) => () => void;
}

const defaultOnInterrupt = (stop: () => void) => {
  process.once('SIGINT', stop);
  return () => { process.removeListener('SIGINT', stop); };
};

/** Runs one CLI invocation; resolves to the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo(), opts: RunCliOptions = {}): Promise<number> {
  const config = loadCliConfig(io.env);
  const out = new Output(io, config.noColor);
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    out.line(generalHelp(registry));
    return 0;
  }
  const cmd = registry.find(name);
  if (!cmd) return unknownCommand(out, name);
  const cleanups: (() => void)[] = [];
  try {
    const ctx = prepare(cmd, rest, out, config, opts, cleanups);
    if (!ctx) {
      out.line(commandHelp(cmd));
      return 0;
    }
    return (await cmd.run(ctx)) ?? 0;
  } catch (err) {
    return reportError(out, cmd, err);
  } finally {
    for (const c of cleanups) c();
  }
}

/** The command's context, or undefined when --help was asked for. */
function prepare(cmd: Command, argv: readonly string[], out: Output, config: CliConfig, opts: RunCliOptions, cleanups: (() => void)[]): CommandContext | undefined {
  // `run` stops at the command's first word, so `berth run app ls -la` works.
  const stopAfter = cmd.passThrough
    ? (p: { positionals: string[]; flags: Record<string, unknown> }) => p.positionals.length >= (cmd.app && !p.flags.app ? 2 : 1)
    : undefined;
  const parsed = parseArgs(argv, flagsOf(cmd), { stopAfter });
  if (parsed.flags.help) return undefined;
  const positionals = [...parsed.positionals];
  let app = '';
  if (cmd.app) {
    app = typeof parsed.flags.app === 'string' ? parsed.flags.app : positionals.shift() ?? '';
    if (!app) throw usageError('which app? give it as the first argument or with --app', `usage: ${usageLine(cmd)}`);
  }
  const [min, max] = cmd.args ?? [0, 0];
  if (!cmd.passThrough && positionals.length > max) throw usageError(`unexpected argument "${positionals[max]}"`, `usage: ${usageLine(cmd)}`);
  if (positionals.length < min) throw usageError(`missing arguments`, `usage: ${usageLine(cmd)}`);
  let client: ApiClient | undefined;
  let abort: AbortController | undefined;
  return {
    out, config, flags: parsed.flags, app, args: positionals, rest: parsed.rest, registry,
    async api() {
      if (!client) {
        const server = await resolveServer(config);
        client = new ApiClient(server.url, server.token);
      }
      return client;
    },
    interrupted() {
      if (!abort) {
        const controller = (abort = new AbortController());
        cleanups.push((opts.onInterrupt ?? defaultOnInterrupt)(() => controller.abort()));
      }
      return abort.signal;
    },
  };
}

function unknownCommand(out: Output, name: string): number {
  const close = registry.suggest(name);
  out.error(`"${name}" is not a berth command.`, close.length ? `Did you mean ${close.join(' or ')}?` : undefined);
  out.info(`\nCommands:\n${commandNames(registry)}\n\nRun berth help for details, or berth <command> --help.`);
  return 1;
}

function reportError(out: Output, cmd: Command, err: unknown): number {
  if (err instanceof BerthError || err instanceof ServerAnswer) {
    out.error(err.message, err.hint);
    if (err.status === 401 && err.code !== 'not_logged_in') out.error('Run berth login, or check BERTH_TOKEN.');
    if (err.code === 'invalid_usage') out.info(`See berth ${cmd.name} --help.`);
    return 1;
  }
  if ((err as Error)?.name === 'AbortError') return 130;
  out.error((err as Error)?.message ?? String(err));
  return 1;
}
