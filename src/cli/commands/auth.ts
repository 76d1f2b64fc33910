// login, logout: keep the server URL and token so BERTH_URL and
// BERTH_TOKEN need not be set in every shell. The token is checked against
// the server before it is stored.
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { BerthError } from '../../shared/errors.js';
import { ApiClient, normalizeUrl, ServerAnswer } from '../client.js';
import { readCredentials, removeCredentials, writeCredentials } from '../credentials.js';
import { withSpinner } from '../spinner.js';
import type { Output } from '../output.js';
import type { Command, CommandGroup } from '../registry.js';

/** Asks on the terminal; a secret answer is not echoed. */
async function ask(out: Output, question: string, secret = false): Promise<string> {
  let muted = false;
  const echo = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) out.stderr.write(String(chunk));
      cb();
    },
  });
  const rl = createInterface({ input: out.io.stdin, output: echo, terminal: true });
  try {
    const answer = rl.question(question);
    muted = secret;
    return (await answer).trim();
  } finally {
    rl.close();
    if (secret) out.stderr.write('\n');
  }
}

/** POST /sign-in records the sign-in in the audit log; a server older than that has only GET /apps. */
async function signIn(client: ApiClient): Promise<unknown> {
  try {
    return await client.request('POST', '/sign-in');
  } catch (err) {
    if (err instanceof ServerAnswer && err.status === 404) return client.request('GET', '/apps');
    throw err;
  }
}

const login: Command = {
  name: 'login',
  summary: 'Store the server URL and token for later commands',
  usage: '[--url URL] [--token TOKEN]',
  description: 'Checks the token against the server, then stores both in $XDG_CONFIG_HOME/berth/credentials.json\n'
    + '(~/.config/berth/credentials.json by default), readable only by you. BERTH_URL and BERTH_TOKEN,\n'
    + 'when set, win over what is stored. On a terminal it asks for what is not given.',
  examples: ['berth login', 'berth login --url http://berth.example.com:3000 --token "$(cat admin-token)"'],
  flags: [
    { name: 'url', type: 'string', valueName: '<url>', description: 'the Berth server\'s API, e.g. http://127.0.0.1:3000' },
    { name: 'token', type: 'string', valueName: '<token>', description: 'the API token (the server\'s admin token)' },
  ],
  async run({ out, flags, config }) {
    const tty = Boolean(out.io.stdin.isTTY);
    const stored = await readCredentials(config.credentialsFile).catch(() => ({} as { url?: string }));
    const known = config.url ?? stored.url;
    let url = typeof flags.url === 'string' ? flags.url : undefined;
    if (!url && tty) url = (await ask(out, `Berth URL${known ? ` [${known}]` : ''}: `)) || known;
    url ??= known;
    let token = typeof flags.token === 'string' ? flags.token : undefined;
    if (!token && tty) token = await ask(out, 'Token: ', true);
    token ||= config.token;
    if (!url || !token) {
      throw new BerthError('invalid_usage', `missing ${!url ? '--url' : '--token'}`, { hint: 'for example: berth login --url http://127.0.0.1:3000 --token <token>' });
    }
    const client = new ApiClient(normalizeUrl(url), token);
    await withSpinner(out, `Logging in to ${client.baseUrl}`, () => signIn(client));
    await writeCredentials(config.credentialsFile, { url: client.baseUrl, token });
    out.line(`Logged in to ${client.baseUrl}`);
    out.info(`Stored in ${config.credentialsFile}`);
    if (config.url || config.token) out.info('Note: BERTH_URL or BERTH_TOKEN is set in this shell, and wins over the stored login.');
  },
};

const logout: Command = {
  name: 'logout',
  summary: 'Forget the stored server URL and token',
  examples: ['berth logout'],
  async run({ out, config }) {
    const removed = await removeCredentials(config.credentialsFile);
    out.line(removed ? `Logged out (removed ${config.credentialsFile})` : 'Not logged in: nothing stored.');
    if (config.url || config.token) out.info('Note: BERTH_URL or BERTH_TOKEN is still set in this shell.');
  },
};

export const authGroup: CommandGroup = { title: 'Login', commands: [login, logout] };
