// Installs the shared pre-receive hook. The hook is a tiny client of the
// server's internal receive endpoint; the secret it presents is written
// next to it, readable by the server's user only.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BerthConfig } from '../config/index.js';
import { hooksDir } from './repos.js';

export interface HookInstall { readonly secret: string }

function hookProgram(): string[] {
  const js = fileURLToPath(new URL('./hook/pre-receive.js', import.meta.url));
  if (existsSync(js)) return [process.execPath, js];
  // Running from source under tsx (development).
  return [process.execPath, '--import', 'tsx', fileURLToPath(new URL('./hook/pre-receive.ts', import.meta.url))];
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function installHook(config: BerthConfig): Promise<HookInstall> {
  const dir = hooksDir(config);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(24).toString('hex');
  const secretFile = path.join(dir, 'secret');
  await writeFile(secretFile, secret, { mode: 0o600 });
  const url = `http://127.0.0.1:${config.apiPort}/internal/v1/receive`;
  const script = [
    '#!/bin/sh',
    '# Installed by Berth: hands the pushed revision to the build queue and',
    '# relays the build log; a non-zero exit makes git reject the push.',
    `exec ${[...hookProgram(), url, secretFile].map(shQuote).join(' ')}`,
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'pre-receive'), script, { mode: 0o700 });
  return { secret };
}
