// Reads app.json at the root of a pushed tree, if there is one.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkManifestTypes, parseAppJson, type AppManifest } from '../shared/app-json.js';
import type { CronOptions } from '../shared/app-json-cron.js';
import type { BuildOutput } from './builder.js';

export async function readAppJson(sourceDir: string, opts: CronOptions = {}): Promise<AppManifest | undefined> {
  const text = await readFile(path.join(sourceDir, 'app.json'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseAppJson(text, opts);
}

/** Refuses a formation or health check for a process type the build did not produce. */
export async function checkAppJsonTypes(manifest: AppManifest, output: BuildOutput, sourceDir: string, builder: string): Promise<void> {
  const hasProcfile = await access(path.join(sourceDir, 'Procfile')).then(() => true, () => false);
  const source = hasProcfile ? 'the Procfile' : builder === 'dockerfile' ? 'the Dockerfile\'s CMD' : 'the buildpack\'s default process types';
  checkManifestTypes(manifest, Object.keys(output.processTypes), source);
}
