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
    throw new BerthError('bad_credentials', 400, `${file} is not valid JSON`, { hint: 'run berth login again, or delete the file' });
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

/** The server to talk to: the environment first, then the stored login. */
export async function resolveServer(config: CliConfig): Promise<Credentials> {
  const stored = config.url && config.token ? {} : await readCredentials(config.credentialsFile);
  const url = config.url ?? stored.url;
  const token = config.token ?? stored.token;
  if (!url || !token) {
    const missing = [!url && 'BERTH_URL', !token && 'BERTH_TOKEN'].filter(Boolean).join(' and ');
    throw new BerthError('not_logged_in', 401, `no Berth server configured (${missing} not set, and no stored login)`,
      { hint: 'run berth login, or set BERTH_URL and BERTH_TOKEN' });
  }
  return { url, token };
}
