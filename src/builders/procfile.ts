// Reads the Procfile at the root of a pushed tree, if there is one.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseProcfile } from '../shared/procfile.js';
import type { ProcessTypes } from '../shared/types.js';

export async function readProcfile(sourceDir: string): Promise<ProcessTypes | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(sourceDir, 'Procfile'), 'utf8');
  } catch {
    return undefined;
  }
  return parseProcfile(text);
}
