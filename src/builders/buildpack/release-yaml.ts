// bin/release prints YAML: `default_process_types` (type -> command) and,
// in old buildpacks, `config_vars` (env defaults). Parsed with the failsafe
// schema, so every scalar stays a string: `web: 1` is the command "1", and
// `DEBUG: no` stays "no" rather than becoming false.
import { parse } from 'yaml';
import { BerthError } from '../../shared/errors.js';

export interface ReleaseInfo {
  readonly processTypes: Readonly<Record<string, string>>;
  readonly configVars: Readonly<Record<string, string>>;
}

const TYPE = /^[A-Za-z0-9_-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function invalid(buildpack: string, why: string): BerthError {
  return new BerthError('buildpack_release_invalid', `the ${buildpack} buildpack's bin/release printed invalid YAML: ${why}`,
    { hint: 'bin/release must print a YAML map such as "default_process_types: {web: npm start}"; fix the buildpack' });
}

function stringMap(value: unknown, key: string, buildpack: string, valid: RegExp): Record<string, string> {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(buildpack, `${key} is not a map`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!valid.test(k)) throw invalid(buildpack, `${key} has the invalid name "${k}"`);
    if (typeof v !== 'string') throw invalid(buildpack, `${key}.${k} is not a string`);
    out[k] = v;
  }
  return out;
}

export function parseRelease(text: string, buildpack: string): ReleaseInfo {
  let doc: unknown;
  try {
    doc = parse(text, { schema: 'failsafe' });
  } catch (err) {
    throw invalid(buildpack, (err as Error).message.split('\n')[0] ?? 'unparsable');
  }
  if (doc === null || doc === undefined || doc === '') return { processTypes: {}, configVars: {} };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw invalid(buildpack, 'the document is not a map');
  const d = doc as Record<string, unknown>;
  return {
    processTypes: stringMap(d.default_process_types, 'default_process_types', buildpack, TYPE),
    configVars: stringMap(d.config_vars, 'config_vars', buildpack, ENV_NAME),
  };
}

/** Several buildpacks (multi-buildpack): later ones override earlier ones. */
export function mergeReleases(releases: readonly ReleaseInfo[]): ReleaseInfo {
  return releases.reduce<ReleaseInfo>((acc, r) => ({
    processTypes: { ...acc.processTypes, ...r.processTypes },
    configVars: { ...acc.configVars, ...r.configVars },
  }), { processTypes: {}, configVars: {} });
}
