// The admin token: BERTH_ADMIN_TOKEN when set, otherwise generated once and
// kept in <data>/admin-token (mode 600) so it survives restarts.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BerthConfig } from '../config/index.js';

export const adminTokenPath = (config: BerthConfig) => path.join(config.dataDir, 'admin-token');

export async function resolveAdminToken(config: BerthConfig): Promise<string> {
  if (config.adminToken) return config.adminToken;
  const file = adminTokenPath(config);
  const existing = await readFile(file, 'utf8').then((s) => s.trim(), () => '');
  if (existing) return existing;
  const token = randomBytes(24).toString('hex');
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return (await readFile(file, 'utf8')).trim();
}
