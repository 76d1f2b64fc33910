// app.json, the manifest Heroku and Dokku read. Berth reads `healthchecks`,
// `formation`, `scripts` and `cron`; every other top-level key (name, env,
// addons, buildpacks, ...) is accepted and ignored, so a Heroku or Dokku
// app.json deploys unchanged. Inside the sections Berth reads, validation is
// strict: a typo is a clear build error, not a silent default. Keys Dokku
// defines there but Berth does not act on come back as warnings.
//
// The text is read as Dokku reads it (tailscale/hujson): JSON with // and
// /* */ comments and trailing commas. jsonc-parser (VS Code's) does that and
// reports every syntax error with its offset, so nothing is hand-rolled here.
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parseCron, type CronOptions } from './app-json-cron.js';
import { parseHealthchecks } from './app-json-healthchecks.js';
import { appJsonError, describe, isObject, num, onlyKnownKeys, requireObject } from './app-json-shape.js';
import type { CronJob, HealthCheck } from './types.js';

export interface AppScripts {
  /** scripts.dokku.predeploy: runs in the new image before it takes traffic; its file changes are kept. */
  readonly predeploy?: string;
  /** scripts.dokku.postdeploy: runs once the release is live, in a one-off container. */
  readonly postdeploy?: string;
}

export interface AppManifest {
  readonly healthchecks: Record<string, HealthCheck[]>;
  readonly formation: Record<string, number>;
  readonly scripts: AppScripts;
  /** `cron`: scheduled jobs, live with the release. */
  readonly cron: readonly CronJob[];
  /** Keys Berth understands but does not act on: shown in the push output. */
  readonly warnings: readonly string[];
}

/** Line and column of an offset, for syntax errors a user can find. */
function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

export function parseJsonc(text: string): unknown {
  const errors: ParseError[] = [];
  const doc: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  const first = errors[0];
  if (first) throw appJsonError(`not valid JSON: ${printParseErrorCode(first.error)} at ${position(text, first.offset)}`);
  return doc;
}

const FORMATION_KEYS = ['quantity', 'size', 'max_parallel', 'autoscaling', 'service'];
const FORMATION_IGNORED = ['max_parallel', 'autoscaling', 'service'];

function parseFormation(raw: unknown, warnings: string[]): Record<string, number> {
  const formation: Record<string, number> = {};
  if (raw === undefined) return formation;
  const all = requireObject(raw, 'formation', 'process type -> { "quantity": N }');
  for (const [type, f] of Object.entries(all)) {
    const where = `formation.${type}`;
    const entry = requireObject(f, where, '{ "quantity": N }');
    onlyKnownKeys(entry, where, FORMATION_KEYS);
    for (const k of FORMATION_IGNORED) if (k in entry) warnings.push(`${where}.${k} is not supported by Berth; ignored`);
    formation[type] = num(entry.quantity, `${where}.quantity`, type === 'web' ? 1 : 0, 0, 100, true);
  }
  return formation;
}

function optionalScript(v: unknown, where: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw appJsonError(`${where} must be a shell command (a string), not ${describe(v)}`);
  return v.trim() ? v : undefined;
}

// Heroku's own script keys: its CI and review apps run them, Berth has neither.
const HEROKU_SCRIPTS = ['postdeploy', 'pr-predestroy', 'test-setup', 'test'];

function parseScripts(raw: unknown, warnings: string[]): AppScripts {
  if (raw === undefined) return {};
  const scripts = requireObject(raw, 'scripts', '{ "dokku": { "predeploy": ..., "postdeploy": ... } }');
  onlyKnownKeys(scripts, 'scripts', ['dokku', ...HEROKU_SCRIPTS]);
  for (const k of HEROKU_SCRIPTS) {
    optionalScript(scripts[k], `scripts.${k}`);
    if (k in scripts) warnings.push(`scripts.${k} is run by Heroku (review apps, CI), not by Berth; ignored. Use scripts.dokku.postdeploy to run a command after every deploy`);
  }
  if (scripts.dokku === undefined) return {};
  const dokku = requireObject(scripts.dokku, 'scripts.dokku', '{ "predeploy": "...", "postdeploy": "..." }');
  onlyKnownKeys(dokku, 'scripts.dokku', ['predeploy', 'postdeploy']);
  return {
    predeploy: optionalScript(dokku.predeploy, 'scripts.dokku.predeploy'),
    postdeploy: optionalScript(dokku.postdeploy, 'scripts.dokku.postdeploy'),
  };
}

export function parseAppJson(text: string, opts: CronOptions = {}): AppManifest {
  const doc = parseJsonc(text);
  if (!isObject(doc)) throw appJsonError(`the top level must be an object, not ${describe(doc)}`);
  const warnings: string[] = [];
  return {
    healthchecks: parseHealthchecks(doc.healthchecks, warnings),
    formation: parseFormation(doc.formation, warnings),
    scripts: parseScripts(doc.scripts, warnings),
    cron: parseCron(doc.cron, warnings, opts),
    warnings,
  };
}

/**
 * After the build, when the process types are known: a formation or a
 * health check for a type the app does not have is a typo, not a no-op.
 * `source` says where the types came from, for the message.
 */
export function checkManifestTypes(manifest: AppManifest, processTypes: readonly string[], source: string): void {
  const types = processTypes.filter((t) => t !== 'release');
  const known = types.length ? types.join(', ') : 'none';
  const check = (section: string, type: string) => {
    if (type === 'release') throw appJsonError(`${section}.release: "release" is the release phase, which runs once per deploy; it has no ${section}`);
    if (!types.includes(type)) {
      throw appJsonError(`${section}.${type}: the app has no process type "${type}"; its process types are: ${known} (from ${source})`);
    }
  };
  for (const type of Object.keys(manifest.formation)) check('formation', type);
  for (const type of Object.keys(manifest.healthchecks)) check('healthchecks', type);
}
