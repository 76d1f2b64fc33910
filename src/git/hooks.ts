// Installs the shared pre-receive hook. The hook is a tiny client of the
// server's internal receive endpoint; the secret it presents is written
// next to it, readable by the server's user only.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BerthConfig } from '../config/index.js';
import { hooksDir } from './repos.js';
import { preReceiveScript } from './hook-script.js';

export interface HookInstall { readonly secret: string }

export async function installHook(config: BerthConfig): Promise<HookInstall> {
  const dir = hooksDir(config);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(24).toString('hex');
  // curl reads the header from a file, so the secret never shows in `ps`.
  const headerFile = path.join(dir, 'auth-header');
  await writeFile(headerFile, `Authorization: Bearer ${secret}\n`, { mode: 0o600 });
  const script = preReceiveScript(`http://127.0.0.1:${config.apiPort}/internal/v1/receive`, headerFile);
  await writeFile(path.join(dir, 'pre-receive'), script, { mode: 0o700 });
  return { secret };
}
