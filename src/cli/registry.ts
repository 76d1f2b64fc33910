// The CLI's commands, in the order `berth help` lists them. Each namespace
// file under commands/ exports one group; adding a namespace means adding
// its group here, nowhere else.
import type { CliConfig } from '../config/cli.js';
import type { FlagSpec, FlagValues } from './args.js';
import type { ApiClient } from './client.js';
import type { Output } from './output.js';
import { didYouMean } from './did-you-mean.js';
import { authGroup } from './commands/auth.js';
import { appsGroup } from './commands/apps.js';
import { configGroup } from './commands/config.js';
import { releasesGroup } from './commands/releases.js';
import { psGroup } from './commands/ps.js';
import { logsGroup } from './commands/logs.js';
import { buildsGroup } from './commands/builds.js';
import { runGroup } from './commands/run.js';
import { resourceGroup } from './commands/resource.js';
import { domainsGroup } from './commands/domains.js';
import { certsGroup } from './commands/certs.js';
import { metaGroup } from './commands/meta.js';
import { accessGroup } from './commands/access.js';
import { eventsGroup } from './commands/events.js';
import { servicesGroup } from './commands/services.js';
import { storageGroup } from './commands/storage.js';
import { cronGroup } from './commands/cron.js';
import { serviceBackupsGroup } from './commands/service-backups.js';

export interface CommandContext {
  readonly out: Output;
  readonly config: CliConfig;
  readonly flags: FlagValues;
  /** The app, from the first argument or --app; '' for app-less commands. */
  readonly app: string;
  /** Positional arguments after the app. */
  readonly args: readonly string[];
  /** Arguments after `--` (or after the command words of `run`). */
  readonly rest: readonly string[];
  /** The API client; throws a clear error when no server is configured. */
  api(): Promise<ApiClient>;
  /** Aborted on Ctrl-C; only streaming commands ask for it. */
  interrupted(): AbortSignal;
  readonly registry: Registry;
}

export interface Command {
  /** `namespace:verb`, as the API's operation ids. */
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly summary: string;
  /** What follows the name in the usage line (the app is added for app commands). */
  readonly usage?: string;
  readonly description?: string;
  readonly examples: readonly string[];
  readonly flags?: readonly FlagSpec[];
  /** Takes an app as its first argument or as --app/-a. */
  readonly app?: boolean;
  /** A read command: --json prints the raw API answer. */
  readonly json?: boolean;
  /** Positional arguments after the app: [min, max]. Default [0, 0]. */
  readonly args?: readonly [min: number, max: number];
  /** `run`: stop parsing options at the command's first word. */
  readonly passThrough?: boolean;
  run(ctx: CommandContext): Promise<number | void>;
}

export interface CommandGroup {
  readonly title: string;
  readonly commands: readonly Command[];
}

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  appsGroup, configGroup, releasesGroup, psGroup, logsGroup, buildsGroup, runGroup, cronGroup, resourceGroup, domainsGroup, certsGroup, storageGroup, servicesGroup, serviceBackupsGroup, accessGroup, eventsGroup, authGroup, metaGroup,
];

export class Registry {
  private readonly byName = new Map<string, Command>();

  constructor(readonly groups: readonly CommandGroup[]) {
    for (const cmd of groups.flatMap((g) => g.commands)) {
      for (const n of [cmd.name, ...(cmd.aliases ?? [])]) {
        if (this.byName.has(n)) throw new Error(`two CLI commands are named ${n}`);
        this.byName.set(n, cmd);
      }
    }
  }

  find(name: string): Command | undefined { return this.byName.get(name); }
  get commands(): Command[] { return this.groups.flatMap((g) => g.commands); }
  suggest(typed: string): string[] {
    const found = didYouMean(typed, [...this.byName.keys()]);
    // An alias suggests the command it stands for.
    return [...new Set(found.map((n) => this.byName.get(n)!.name))];
  }
}

export const registry = new Registry(COMMAND_GROUPS);
