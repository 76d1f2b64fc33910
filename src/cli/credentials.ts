// What `berth login` stores: the server URL and token, in a file only the
// user can read (0600 in a 0700 directory), as the Heroku CLI's netrc.
// BERTH_URL and BERTH_TOKEN win over it, each on its own.
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CliConfig } from '../config/cli.js';
import { BerthError } from '../shared/errors.js';

export interface Credentials { readonly url: string; readonly token: string }

export async function readCredentials(file: string): Promise<Partial<Credentials>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Credentials>;
    return {
      url: typeof parsed.url === 'string' ? parsed.url : undefined,
      token: typeof parsed.token === 'string' ? parsed.token : undefined,
    };
  } catch {
    throw new BerthError('bad_credentials', `${file} is not valid JSON`, { hint: 'run berth login again, or delete the file' });
  }
}

export async function writeCredentials(file: string, creds: Credentials): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify({ url: creds.url, token: creds.token }, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode only applies when it creates the file.
  await chmod(file, 0o600);
}

/** True if there was a file to remove. */
export async function removeCredentials(file: string): Promise<boolean> {
  try {
    await rm(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Root on the Berth host: the local server and its admin token, if that token is there. */
async function localServer(config: CliConfig): Promise<Credentials | undefined> {
  if (!config.local.isRoot) return undefined;
  const token = config.local.adminToken ?? (await readFile(config.local.adminTokenFile, 'utf8').then((s) => s.trim(), () => ''));
  return token ? { url: config.local.url, token } : undefined;
}

/** The server to talk to: the environment, then the stored login, then (as root on the host) the local server. */
export async function resolveServer(config: CliConfig): Promise<Credentials> {
  const stored = config.url && config.token ? {} : await readCredentials(config.credentialsFile);
  const url = config.url ?? stored.url;
  const token = config.token ?? stored.token;
  if (url && token) return { url, token };
  const local = !url && !token ? await localServer(config) : undefined;
  if (local) return local;
  const missing = [!url && 'BERTH_URL', !token && 'BERTH_TOKEN'].filter(Boolean).join(' and ');
  const hint = config.local.isRoot
    ? `run berth login, or set BERTH_URL and BERTH_TOKEN (on the Berth host, root uses ${config.local.adminTokenFile}, which is missing: is BERTH_DATA_DIR right?)`
    : 'run berth login, or set BERTH_URL and BERTH_TOKEN (e.g. BERTH_URL=http://127.0.0.1:3000 BERTH_TOKEN=<token>), or run berth as root on the Berth host (sudo berth ...)';
  throw new BerthError('not_logged_in', `no Berth server configured (${missing} not set, and no stored login)`, { hint });
}
