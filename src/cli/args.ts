// A tiny argument parser: long and short flags (`--memory 512m`,
// `--memory=512m`, `-n 50`, `-n50`, `-tp web`), positionals, and `--` for a
// command to pass through untouched (`berth run app -- ls -la`). Unknown
// flags are errors, so a typo never silently becomes an argument.
import { BerthError } from '../shared/errors.js';

export interface FlagSpec {
  /** Long name without dashes: `memory`, `no-restart`. */
  readonly name: string;
  readonly short?: string;
  /** A boolean flag takes no value; a string flag takes exactly one. */
  readonly type: 'boolean' | 'string';
  readonly description: string;
  /** Shown in help: `--memory <size>`. */
  readonly valueName?: string;
}

export type FlagValues = Record<string, string | boolean | undefined>;

export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: FlagValues;
  /** Everything after `--`, or after `stopAfter` positionals. */
  readonly rest: string[];
}

export interface ParseOptions {
  /** Stop parsing (the rest passes through) once this many positionals are seen. */
  readonly stopAfter?: (parsed: { positionals: string[]; flags: FlagValues }) => boolean;
}

export const usageError = (message: string, hint?: string) => new BerthError('invalid_usage', message, { hint });

function lookup(specs: readonly FlagSpec[], raw: string): FlagSpec {
  const long = raw.startsWith('--');
  const name = raw.replace(/^--?/, '');
  const spec = specs.find((s) => (long ? s.name === name : s.short === name));
  if (!spec) throw usageError(`unknown option ${raw}`, 'see --help for the options this command takes');
  return spec;
}

/** Parses argv against the flag specs of one command. */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], opts: ParseOptions = {}): ParsedArgs {
  const positionals: string[] = [];
  const flags: FlagValues = {};
  const set = (spec: FlagSpec, value: string | boolean) => { flags[spec.name] = value; };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return { positionals, flags, rest: argv.slice(i + 1) };
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const spec = lookup(specs, eq === -1 ? arg : arg.slice(0, eq));
      if (spec.type === 'boolean') {
        if (eq !== -1) throw usageError(`${spec.name} takes no value`);
        set(spec, true);
      } else if (eq !== -1) {
        set(spec, arg.slice(eq + 1));
      } else {
        const value = argv[++i];
        if (value === undefined) throw usageError(`--${spec.name} needs a value`, `for example: --${spec.name} ${spec.valueName ?? '<value>'}`);
        set(spec, value);
      }
    } else if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) {
      i = parseShortCluster(argv, i, specs, set);
    } else {
      positionals.push(arg);
      if (opts.stopAfter?.({ positionals, flags })) return { positionals, flags, rest: argv.slice(i + 1) };
    }
  }
  return { positionals, flags, rest: [] };
}

/** `-t`, `-n 50`, `-n50`, `-tp web`: booleans may cluster, a value ends it. */
function parseShortCluster(argv: readonly string[], i: number, specs: readonly FlagSpec[], set: (s: FlagSpec, v: string | boolean) => void): number {
  const arg = argv[i]!;
  for (let j = 1; j < arg.length; j++) {
    const spec = lookup(specs, `-${arg[j]}`);
    if (spec.type === 'boolean') { set(spec, true); continue; }
    const inline = arg.slice(j + 1);
    if (inline) { set(spec, inline); return i; }
    const value = argv[i + 1];
    if (value === undefined) throw usageError(`-${spec.short} needs a value`, `for example: -${spec.short} ${spec.valueName ?? '<value>'}`);
    set(spec, value);
    return i + 1;
  }
  return i;
}

/** Splits `KEY=value` (the value may itself hold `=` or be empty). */
export function parseConfigPair(arg: string): [key: string, value: string] {
  const eq = arg.indexOf('=');
  if (eq === -1) throw usageError(`"${arg}" is not KEY=value`, `for example: berth config:set my-app ${/^\w+$/.test(arg) ? arg : 'GREETING'}=hello`);
  const key = arg.slice(0, eq);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    throw usageError(`invalid config var name "${key}": use letters, digits and _, not starting with a digit`, 'for example: DATABASE_URL=postgres://db/app');
  }
  return [key, arg.slice(eq + 1)];
}

export const MAX_REPLICAS = 100;

/** Parses `web=2` into a process type and a replica count from 0 to 100. */
export function parseScaleSpec(arg: string): [type: string, count: number] {
  const m = /^([A-Za-z0-9_-]+)=(.*)$/.exec(arg);
  if (!m) throw usageError(`"${arg}" is not TYPE=COUNT`, 'for example: berth ps:scale my-app web=2 worker=1');
  const [, type, raw] = m as unknown as [string, string, string];
  if (!/^\d+$/.test(raw) || Number(raw) > MAX_REPLICAS) {
    throw usageError(`"${arg}": the count must be a whole number from 0 to ${MAX_REPLICAS}`, `for example: ${type}=2`);
  }
  return [type, Number(raw)];
}
