// Which buildpacks run, in which order. Without instructions every
// buildpack's bin/detect runs in the fixed order below and the first match
// builds the app. The BUILDPACK config var, else a .buildpacks file at the
// repo root, names one or more buildpacks instead: they all run, in
// sequence (multi-buildpack), and each must recognise the app.
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

export interface BuildpackPlan {
  readonly mode: 'detect' | 'explicit';
  readonly names: readonly string[];
  /** Where an explicit list came from, for messages. */
  readonly source?: string;
}

export function buildpackInfo(name: string): BuildpackInfo {
  return DETECTION_ORDER.find((b) => b.name === name) ?? { name, looksFor: '(unknown)' };
}

function resolveName(raw: string, where: string): string {
  const name = ALIASES[raw] ?? raw;
  if (DETECTION_ORDER.some((b) => b.name === name)) return name;
  const known = DETECTION_ORDER.map((b) => b.name).join(', ');
  const url = /^[a-z]+:\/\/|\.git$|^git@/.test(raw);
  throw new BerthError('unknown_buildpack', 422, `${where} names the buildpack "${raw}", which this server does not have`, {
    hint: url
      ? `buildpacks are not fetched from URLs here; use one of the built-in buildpacks: ${known}`
      : `use one of the built-in buildpacks: ${known}`,
  });
}

export async function planBuildpacks(sourceDir: string, configVars: Readonly<Record<string, string>>): Promise<BuildpackPlan> {
  const fromVar = configVars.BUILDPACK?.trim();
  if (fromVar) {
    const names = fromVar.split(/[\s,]+/).filter(Boolean).map((n) => resolveName(n, 'the BUILDPACK config var'));
    return { mode: 'explicit', names, source: 'the BUILDPACK config var' };
  }
  const file = await readFile(path.join(sourceDir, '.buildpacks'), 'utf8').catch(() => undefined);
  if (file !== undefined) {
    const names: string[] = [];
    file.split(/\r?\n/).forEach((line, i) => {
      const entry = line.replace(/#.*$/, '').trim();
      if (entry) names.push(resolveName(entry, `.buildpacks line ${i + 1}`));
    });
    if (names.length) return { mode: 'explicit', names, source: '.buildpacks' };
  }
  return { mode: 'detect', names: DETECTION_ORDER.map((b) => b.name) };
}
