// Reads the Procfile at the root of a pushed tree, if there is one. Its
// size is checked before it is read: a push may carry a huge one.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../shared/errors.js';
import { checkProcfileSize, parseProcfile } from '../shared/procfile.js';
import type { ProcessTypes } from '../shared/types.js';

const READ_LIMIT = 1024 * 1024;

export async function readProcfile(sourceDir: string): Promise<ProcessTypes | undefined> {
  const file = path.join(sourceDir, 'Procfile');
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!info) return undefined;
  if (!info.isFile()) {
    throw new BerthError('procfile_not_a_file', 'the Procfile at the repo root is not a file', { hint: 'make Procfile a plain text file of "type: command" lines' });
  }
  // parseProcfile checks the real limit; this only bounds what is read.
  if (info.size > READ_LIMIT) checkProcfileSize(info.size);
  return parseProcfile(await readFile(file, 'utf8'));
}
