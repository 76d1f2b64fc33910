// Which buildpacks run, in which order. Without instructions every
// buildpack's bin/detect runs in the fixed order below and the first match
// builds the app. Instructions, first found wins: the BUILDPACK config var,
// Heroku's BUILDPACK_URL config var, BUILDPACK_URL in a Dokku-style .env at
// the repo root (which Dokku lets override .buildpacks), a .buildpacks file.
// They name one or more buildpacks: all run, in sequence (multi-buildpack),
// and each must recognise the app. Nothing is fetched: a URL of a buildpack
// Berth has built in (Heroku's, Dokku's nginx one) means that one.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../../shared/errors.js';

export interface BuildpackInfo {
  readonly name: string;
  /** What its bin/detect looks for, for the "nothing detected" message. */
  readonly looksFor: string;
}

// Languages before `static` (a Node.js app may ship an index.html too), and
// `procfile` last: it only claims what no other buildpack recognises.
export const DETECTION_ORDER: readonly BuildpackInfo[] = [
  { name: 'nodejs', looksFor: 'package.json' },
  { name: 'python', looksFor: 'requirements.txt, pyproject.toml or Pipfile' },
  { name: 'go', looksFor: 'go.mod' },
  { name: 'static', looksFor: 'index.html or static.json' },
  { name: 'procfile', looksFor: 'Procfile' },
];

/** Heroku's names for the same buildpacks, so a copied .buildpacks works. */
const ALIASES: Record<string, string> = {
  'heroku/nodejs': 'nodejs', 'heroku/python': 'python', 'heroku/go': 'go', 'heroku/static': 'static',
  'heroku-community/static': 'static', 'heroku/procfile': 'procfile', 'heroku-community/procfile': 'procfile',
};

/**
 * Repos of buildpacks that the built-in ones stand in for, as `owner/repo`
 * on GitHub: what Heroku docs, Dokku's samples and old apps' BUILDPACK_URL use.
 */
const KNOWN_REPOS: Record<string, string> = {
  'heroku/heroku-buildpack-nodejs': 'nodejs', 'heroku/heroku-buildpack-python': 'python',
  'heroku/heroku-buildpack-go': 'go', 'heroku/heroku-buildpack-static': 'static',
  // Dokku's static sample app: nginx serving the repo's files, as `static` does.
  'dokku/buildpack-nginx': 'static', 'progrium/buildpack-nginx': 'static',
};

/** The built-in buildpack a buildpack URL stands for, if any. */
function fromUrl(raw: string): string | undefined {
  const url = raw.replace(/#.*$/, '').replace(/\/+$/, '').replace(/\.git$/, '').toLowerCase();
  // Heroku's buildpack registry: https://buildpack-registry.s3.amazonaws.com/buildpacks/heroku/nodejs.tgz
  const registry = /\/buildpacks\/([a-z0-9-]+\/[a-z0-9-]+)\.tgz$/.exec(url)?.[1];
  if (registry) return ALIASES[registry];
  const repo = /^(?:[a-z+]+:\/\/(?:[^@/]+@)?|git@)github\.com[/:]([a-z0-9-]+\/[a-z0-9._-]+)$/.exec(url)?.[1];
  return repo ? KNOWN_REPOS[repo] : undefined;
}

export interface BuildpackPlan {
  readonly mode: 'detect' | 'explicit';
  readonly names: readonly string[];
  /** Where an explicit list came from, for messages. */
  readonly source?: string;
  /** Lines for the push output: which URL became which built-in buildpack. */
  readonly notes?: readonly string[];
}

export function buildpackInfo(name: string): BuildpackInfo {
  return DETECTION_ORDER.find((b) => b.name === name) ?? { name, looksFor: '(unknown)' };
}

const isUrl = (raw: string) => /^[a-z+]+:\/\/|\.git(#.*)?$|^git@/i.test(raw);

function resolveName(raw: string, where: string, notes: string[]): string {
  const url = isUrl(raw);
  const name = url ? fromUrl(raw) ?? raw : ALIASES[raw] ?? raw;
  if (DETECTION_ORDER.some((b) => b.name === name)) {
    if (url) notes.push(`${raw}: the built-in ${name} buildpack stands in for it (buildpacks are not downloaded here)`);
    return name;
  }
  const known = DETECTION_ORDER.map((b) => b.name).join(', ');
  throw new BerthError('unknown_buildpack', `${where} names the buildpack "${raw}", which this server does not have`, {
    hint: url
      ? `buildpacks are not fetched from URLs here; use one of the built-in buildpacks: ${known}`
      : `use one of the built-in buildpacks: ${known}`,
  });
}

/** BUILDPACK_URL from a Dokku-style .env (`export BUILDPACK_URL=...`, quotes optional); its other lines are not read. */
function dotenvBuildpackUrl(text: string): string | undefined {
  let found: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?BUILDPACK_URL\s*=\s*(.*?)\s*$/.exec(line);
    if (m) found = m[1]!.replace(/^(['"])(.*)\1$/, '$2').trim();
  }
  return found || undefined;
}

/** A file at the repo root, or '' when there is none. */
const readRepoFile = (dir: string, name: string) => readFile(path.join(dir, name), 'utf8').catch(() => '');

export async function planBuildpacks(sourceDir: string, configVars: Readonly<Record<string, string>>): Promise<BuildpackPlan> {
  const notes: string[] = [];
  const explicit = (source: string, entries: readonly [string, string][]): BuildpackPlan | undefined => {
    const names = entries.map(([raw, where]) => resolveName(raw, where, notes));
    return names.length ? { mode: 'explicit', names, source, ...(notes.length ? { notes } : {}) } : undefined;
  };
  const list = (text: string | undefined) => (text ?? '').split(/[\s,]+/).filter(Boolean);
  const plan =
    explicit('the BUILDPACK config var', list(configVars.BUILDPACK).map((n) => [n, 'the BUILDPACK config var']))
    ?? explicit('the BUILDPACK_URL config var', list(configVars.BUILDPACK_URL).map((n) => [n, 'the BUILDPACK_URL config var']));
  if (plan) return plan;
  const url = dotenvBuildpackUrl(await readRepoFile(sourceDir, '.env'));
  if (url) return explicit('BUILDPACK_URL in .env', [[url, 'BUILDPACK_URL in .env']])!;
  const entries: [string, string][] = [];
  (await readRepoFile(sourceDir, '.buildpacks')).split(/\r?\n/).forEach((line, i) => {
    // A # starts a comment, except a URL's #ref (after a non-space).
    const entry = line.replace(/(^|\s)#.*$/, '').trim();
    if (entry) entries.push([entry, `.buildpacks line ${i + 1}`]);
  });
  return explicit('.buildpacks', entries) ?? { mode: 'detect', names: DETECTION_ORDER.map((b) => b.name) };
}
