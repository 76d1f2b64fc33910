// Reads app.json at the root of a pushed tree, if there is one.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAppJson, type AppManifest } from '../shared/app-json.js';

export async function readAppJson(sourceDir: string): Promise<AppManifest | undefined> {
  const text = await readFile(path.join(sourceDir, 'app.json'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseAppJson(text);
}
