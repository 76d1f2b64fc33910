// tokens, tokens:create, tokens:revoke, users, users:add, users:remove,
// keys, keys:add, keys:remove, whoami — who may use this Berth, and how.
import { readFile } from 'node:fs/promises';
import { usageError } from '../args.js';
import { seg } from '../client.js';
import { withSpinner } from '../spinner.js';
import { renderKeyValues, renderTable } from '../table.js';
import type { Command, CommandGroup } from '../registry.js';

interface TokenView { id: string; name: string; user: string; scopes: string[]; createdAt: number; expiresAt?: number; revokedAt?: number; status: string }
interface UserView { name: string; role: string; apps: string[]; createdAt: number }
interface KeyView { fingerprint: string; user: string; type: string; comment: string; createdAt: number }

const day = (ms?: number) => (ms ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '-');

const tokens: Command = {
  name: 'tokens',
  aliases: ['tokens:list'],
  summary: 'List API tokens (never their secrets)',
  examples: ['berth tokens', 'berth tokens --json'],
  json: true,
  async run({ api, out, flags }) {
    const body = await (await api()).request<{ tokens: TokenView[] }>('GET', '/tokens');
    if (flags.json) return out.json(body);
    out.line(renderTable(['id', 'name', 'user', 'scope', 'status', 'created', 'expires'],
      body.tokens.map((t) => [t.id, t.name, t.user, t.scopes.join(' '), t.status, day(t.createdAt), day(t.expiresAt)])));
  },
};

const tokensCreate: Command = {
  name: 'tokens:create',
  summary: 'Make an API token and print it (once)',
  usage: '--name NAME --scope admin|read|deploy:<app>[,<app>...] [--expires 30d] [--user USER]',
  description: 'Makes a token for the API (as BERTH_TOKEN) and for the git remote\'s URL '
    + '(http://berth:<token>@host:port/<app>.git). The server keeps only its hash: copy it now. '
    + 'Scopes: admin (everything), read (every read, no change), deploy:<apps> (push to and read '
    + 'those apps only). A token never has more than its user\'s role allows.',
  examples: ['berth tokens:create --name ci --scope deploy:my-app --expires 90d', 'berth tokens:create --name grafana --scope read'],
  flags: [
    { name: 'name', type: 'string', valueName: '<name>', description: 'a name to know it by (unique among active tokens)' },
    { name: 'scope', type: 'string', valueName: '<scope>', description: 'admin, read or deploy:<app>[,<app>...]' },
    { name: 'expires', type: 'string', valueName: '<30d>', description: 'lifetime in s, m, h, d or w (30d); default: never' },
    { name: 'user', type: 'string', valueName: '<user>', description: 'the user it belongs to (default: you)' },
  ],
  json: true,
  async run({ api, out, flags }) {
    if (typeof flags.name !== 'string' || typeof flags.scope !== 'string') throw usageError('give --name and --scope', 'for example: berth tokens:create --name ci --scope deploy:my-app');
    const client = await api();
    const body = await client.request<TokenView & { token: string }>('POST', '/tokens',
      { body: { name: flags.name, scope: flags.scope, expires: flags.expires, user: flags.user } });
    if (flags.json) return out.json(body);
    out.line(body.token);
    out.info(`Token ${body.id} "${body.name}" for ${body.user}, scope ${body.scopes.join(' ')}, expires ${body.expiresAt ? day(body.expiresAt) : 'never'}.`);
    out.info('This is the only time it is shown: store it now.');
  },
};

const tokensRevoke: Command = {
  name: 'tokens:revoke',
  summary: 'Revoke a token at once, everywhere',
  usage: '<id or name>',
  examples: ['berth tokens:revoke ci', 'berth tokens:revoke tok_1a2b3c4d5e'],
  json: true,
  args: [1, 1],
  async run({ api, out, args, flags }) {
    const client = await api();
    const body = await withSpinner(out, `Revoking ${args[0]}`, () => client.request<TokenView>('DELETE', `/tokens/${seg(args[0]!)}`));
    if (flags.json) return out.json(body);
    out.line(`Revoked token ${body.id} "${body.name}"`);
  },
};

const users: Command = {
  name: 'users',
  aliases: ['users:list'],
  summary: 'List users and their roles',
  examples: ['berth users'],
  json: true,
  async run({ api, out, flags }) {
    const body = await (await api()).request<{ users: UserView[] }>('GET', '/users');
    if (flags.json) return out.json(body);
    out.line(renderTable(['name', 'role', 'apps', 'created'], body.users.map((u) => [u.name, u.role, u.apps.join(',') || '-', day(u.createdAt)])));
  },
};

const usersAdd: Command = {
  name: 'users:add',
  summary: 'Add a user: an admin, or a deployer of named apps',
  usage: '<name> [--role admin|deploy] [--apps a,b]',
  description: 'A user owns tokens and SSH keys. An admin may do everything; a deploy user may push to and read only its apps (--apps). The role is deploy unless --role admin.',
  examples: ['berth users:add alice --role admin', 'berth users:add ci-bot --role deploy --apps my-app,my-api'],
  flags: [
    { name: 'role', type: 'string', valueName: '<role>', description: 'admin or deploy (default deploy)' },
    { name: 'apps', type: 'string', valueName: '<a,b>', description: 'the apps a deploy user may push' },
  ],
  json: true,
  args: [1, 1],
  async run({ api, out, args, flags }) {
    const client = await api();
    const body = await client.request<UserView>('POST', '/users', { body: { name: args[0], role: flags.role, apps: flags.apps } });
    if (flags.json) return out.json(body);
    out.line(`Added user ${body.name} (${body.role}${body.apps.length ? ` on ${body.apps.join(',')}` : ''})`);
    out.info(`Give it a key with berth keys:add ${body.name} <file.pub>, or a token with berth tokens:create --user ${body.name} ...`);
  },
};

const usersRemove: Command = {
  name: 'users:remove',
  summary: 'Remove a user with its tokens and keys',
  usage: '<name>',
  examples: ['berth users:remove alice'],
  json: true,
  args: [1, 1],
  async run({ api, out, args, flags }) {
    const body = await (await api()).request('DELETE', `/users/${seg(args[0]!)}`);
    if (flags.json) return out.json(body);
    out.line(`Removed user ${args[0]} and its tokens and keys`);
  },
};

const keys: Command = {
  name: 'keys',
  aliases: ['keys:list'],
  summary: 'List SSH keys that may push over SSH',
  usage: '[--user USER]',
  examples: ['berth keys', 'berth keys --user alice'],
  flags: [{ name: 'user', type: 'string', valueName: '<user>', description: 'only this user\'s keys' }],
  json: true,
  async run({ api, out, flags }) {
    const body = await (await api()).request<{ keys: KeyView[] }>('GET', '/keys', { query: { user: typeof flags.user === 'string' ? flags.user : undefined } });
    if (flags.json) return out.json(body);
    out.line(renderTable(['fingerprint', 'user', 'type', 'comment', 'added'], body.keys.map((k) => [k.fingerprint, k.user, k.type, k.comment, day(k.createdAt)])));
  },
};

const keysAdd: Command = {
  name: 'keys:add',
  summary: 'Register a user\'s SSH public key (ed25519 or RSA)',
  usage: '<user> <pubkey-file>',
  description: 'The key may then push over SSH with the user\'s role: git remote add berth ssh://git@<host>:2222/<app>.git',
  examples: ['berth keys:add alice ~/.ssh/id_ed25519.pub'],
  json: true,
  args: [2, 2],
  async run({ api, out, args, flags }) {
    const file = args[1]!;
    const publicKey = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw usageError(`cannot read ${file}: ${err.code ?? err.message}`, 'give the path of a .pub file, such as ~/.ssh/id_ed25519.pub');
    });
    const body = await (await api()).request<KeyView>('POST', '/keys', { body: { user: args[0], publicKey } });
    if (flags.json) return out.json(body);
    out.line(`Added ${body.type} key ${body.fingerprint} for ${body.user}`);
  },
};

const keysRemove: Command = {
  name: 'keys:remove',
  summary: 'Remove an SSH key at once',
  usage: '<fingerprint or comment>',
  examples: ['berth keys:remove SHA256:abc...', 'berth keys:remove alice@laptop'],
  json: true,
  args: [1, 1],
  async run({ api, out, args, flags }) {
    const body = await (await api()).request<KeyView>('DELETE', `/keys/${seg(args[0]!)}`);
    if (flags.json) return out.json(body);
    out.line(`Removed key ${body.fingerprint} of ${body.user}`);
  },
};

const whoami: Command = {
  name: 'whoami',
  summary: 'Show the user and scope of the token in use',
  examples: ['berth whoami'],
  json: true,
  async run({ api, out, flags }) {
    const body = await (await api()).request<{ user: string; scopes: string[]; credential: { id: string; name: string } }>('GET', '/whoami');
    if (flags.json) return out.json(body);
    out.line(renderKeyValues([['User', body.user], ['Scope', body.scopes.join(' ')], ['Token', `${body.credential.name} (${body.credential.id})`]]));
  },
};

export const accessGroup: CommandGroup = {
  title: 'Access: users, tokens and SSH keys',
  commands: [whoami, users, usersAdd, usersRemove, tokens, tokensCreate, tokensRevoke, keys, keysAdd, keysRemove],
};
