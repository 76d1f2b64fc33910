// The git receiver: smart-HTTP git at /<app>.git, served by node-git-server
// behind our own front door. node-git-server authenticates only the
// info/refs GET and would auto-create any repo, so every request is
// authenticated, its app name validated and its repo created here first.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChildProcess } from 'node:child_process';
import nodeGitServer from 'node-git-server';
import { appsCreate } from '../ops/apps/create.js';
import { authCheckToken, tokenFromHeader } from '../ops/auth/check-token.js';
import type { OpsDeps } from '../ops/deps.js';
import { notePusher } from '../ops/deploy/pushers.js';
import { auditRecord } from '../ops/audit/record.js';
import { allows, forbidden } from '../shared/access.js';
import { parseAppName } from '../shared/app-name.js';
import { asBerthError, notFound } from '../shared/errors.js';
import { getApp } from '../store/apps.js';
import { ensureRepo, reposDir } from './repos.js';

const { Git } = nodeGitServer;
const GIT_PATH = /^\/([^/]+?)(?:\.git)?\/(info\/refs|git-receive-pack|git-upload-pack|HEAD)$/;

type GitAction = {
  accept(): void;
  once(ev: 'service', fn: (ps: ChildProcess) => void): void;
  on(ev: 'error', fn: (err: Error) => void): void;
};

export type GitHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export function gitHandler(deps: OpsDeps): GitHandler {
  const git = new Git(reposDir(deps.config), { autoCreate: false });
  const accept = (action: GitAction) => {
    action.on('error', (err) => console.error(`git: ${err.message}`));
    // A garbage or oversized pack makes git exit early; without this guard
    // the EPIPE on its stdin would crash the whole server.
    action.once('service', (ps) => ps.stdin?.on('error', () => {}));
    action.accept();
  };
  // Each ref fires its own event, and large pushes send a probe that shows
  // up as a bogus tag event: accept them all, the hook decides.
  for (const ev of ['push', 'tag', 'fetch'] as const) git.on(ev, accept as never);

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://berth.invalid');
    const m = GIT_PATH.exec(url.pathname);
    if (!m) return false;
    const [, rawName, rest] = m as unknown as [string, string, string];
    route(rawName, rest, url, req, res).catch((err) => reply(res, err));
    return true;
  };

  async function route(rawName: string, rest: string, url: URL, req: IncomingMessage, res: ServerResponse) {
    const source = (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
    const principal = await authCheckToken(tokenFromHeader(req.headers.authorization), deps, { source, via: 'git-http' });
    const app = parseAppName(rawName);
    const service = rest === 'info/refs' ? url.searchParams.get('service') : rest;
    const action = service === 'git-receive-pack' ? 'push' : 'read';
    if (!allows(principal.scopes, action, app)) {
      if (action === 'push') await auditRecord({ user: principal.user, via: 'git-http', source, action: 'git:push', app, result: 'denied', error: 'forbidden' }, deps);
      throw forbidden(principal, action, app);
    }
    // The pack upload itself: the hook's receive call finds the pusher here.
    if (rest === 'git-receive-pack') res.once('close', notePusher(app, { user: principal.user, via: 'git-http', source }));
    if (service === 'git-receive-pack') {
      await appsCreate({ name: app, ifMissing: true }, deps);
    } else if (!(await getApp(deps.redis, app))) {
      throw notFound('app_not_found', `app "${app}" does not exist`, 'push to it first, or create it with apps:create');
    }
    await ensureRepo(deps.config, app);
    req.url = `/${app}.git/${rest}${url.search}`;
    git.handle(req, res);
  }
}

/** Git prints a text/plain error body to the pusher as `remote:` lines. */
function reply(res: ServerResponse, err: unknown): void {
  const e = asBerthError(err);
  if (!e.expose) console.error('git receiver:', err);
  if (res.headersSent) { res.destroy(); return; }
  const lines = [`berth: ${e.expose ? e.message : 'internal error'}`];
  if (e.hint) lines.push(`berth: ${e.hint}`);
  res.writeHead(e.status, {
    'content-type': 'text/plain; charset=utf-8',
    ...(e.status === 401 ? { 'www-authenticate': 'Basic realm="Berth"' } : {}),
  });
  res.end(`${lines.join('\n')}\n`);
}
