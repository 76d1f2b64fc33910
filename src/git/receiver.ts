// The git receiver: smart-HTTP git at /<app>.git.
//   auth -> app name -> method and media type -> Content-Encoding (ours)
//   -> info/refs: the repo's advertisement (an empty one if the app has no repo yet)
//   -> git-receive-pack: read the ref-update commands (deadline), decide,
//      then git receive-pack --stateless-rpc; a new app's first push goes to
//      an incoming repo that becomes the app's only if its hook made the app
//   -> git-upload-pack: read the first want (deadline), then git upload-pack
// Redis away: 503 with the reason before anything else (redis-health.ts).
// Nothing here creates an app or a repo before a real push to main/master.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { nonCanonical, nonCanonicalError } from '../shared/canonical-path.js';
import { appNotFound } from '../ops/app-lookup.js';
import { authCheckToken, tokenFromHeader } from '../ops/auth/check-token.js';
import type { OpsDeps } from '../ops/deps.js';
import { auditRecord } from '../ops/audit/record.js';
import { allows, forbidden, type Principal } from '../shared/access.js';
import { parseAppName, type AppName } from '../shared/app-name.js';
import { BerthError, fail } from '../shared/errors.js';
import { failure } from '../shared/push-output.js';
import { getApp } from '../store/apps.js';
import { redisUnavailable } from '../store/redis-health.js';
import { advertise } from './advertise.js';
import { bodyError, checkEncoding, decodedBody } from './body.js';
import { DEPLOY_REFS, FLUSH, isZeroOid, parsePushCommands, readHead, type PushCommands } from './pkt-line.js';
import { refusePush } from './refusal.js';
import { replyError } from './reply.js';
import { createIncomingRepo, ensureTemplateRepo, ensureRepo, repoExists, repoPath, settleIncomingRepo } from './repos.js';
import { runService, type GitService } from './service.js';

const GIT_PATH = /^\/([^/]+?)(?:\.git)?\/(info\/refs|git-receive-pack|git-upload-pack|HEAD)$/;
const MAX_COMMANDS_BYTES = 1024 * 1024;
// `.` and `..` segments, also percent-encoded, and backslashes: URL parsing
// resolves them (`/x/%2e%2e/app.git` is `/app.git`), so a path no git client
// sends could reach a repo other than the one it names. Refused as sent.
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;

export type GitHandler = (req: IncomingMessage, res: ServerResponse) => boolean;
type Deps = OpsDeps;

export function gitHandler(deps: Deps): GitHandler {
  return (req, res) => {
    // `//x/...` parses as a host (and a bad one throws): never a git path; the API refuses it as non-canonical.
    if (!req.url?.startsWith('/') || req.url.startsWith('//')) return false;
    let url: URL;
    try { url = new URL(req.url, 'http://berth.invalid'); } catch { return false; }
    const m = GIT_PATH.exec(url.pathname);
    if (!m) return false;
    const rawPath = (req.url ?? '/').split('?')[0]!;
    if (rawPath.includes('\\') || DOT_SEGMENT.test(rawPath)) {
      req.resume();
      replyError(res, fail('non_canonical_git_url', 'the git URL must be /<app>.git/... as git sends it: no "." or ".." segments (also encoded) and no backslashes',
        'use the remote URL the server gave you, for example http://<server>/<app>.git'));
      return true;
    }
    // The API's one-spelling rule (malformed or needless %-escapes, `//`, NUL) holds here too.
    const odd = nonCanonical(rawPath);
    if (odd) {
      req.resume();
      replyError(res, nonCanonicalError(odd));
      return true;
    }
    const [, rawName, rest] = m as unknown as [string, string, string];
    // Redis away: say so now (git prints it), rather than hang the push on auth.
    const health = deps.redis.health;
    if (health && !health.up) {
      req.resume();
      replyError(res, redisUnavailable(health.reason));
      return true;
    }
    route(deps, rawName, rest, url, req, res).catch((err) => replyError(res, err));
    return true;
  };
}

async function route(deps: Deps, rawName: string, rest: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const source = (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
  const principal = await authCheckToken(tokenFromHeader(req.headers.authorization), deps, { source, via: 'git-http' });
  const app = parseAppName(rawName);
  const pushing = rest === 'git-receive-pack' || (rest === 'info/refs' && url.searchParams.get('service') === 'git-receive-pack');
  await requireScope(deps, principal, pushing ? 'push' : 'read', app, source);
  if (rest === 'info/refs' || rest === 'HEAD') {
    requireMethod(req, 'GET');
    return rest === 'HEAD' ? sendHead(deps, app, res) : infoRefs(deps, app, url, res);
  }
  const service = rest.slice('git-'.length) as GitService;
  requireMethod(req, 'POST');
  requireMediaType(req, `application/x-git-${service}-request`);
  const encoding = checkEncoding(req);
  const body = decodedBody(req, encoding);
  // A body error is kept for whoever reads next, and never left unhandled.
  let early: unknown;
  body.on('error', (err) => { early ??= err; });
  try {
    if (service === 'receive-pack') await receivePack(deps, app, body, encoding, req, res, () => early, pusherEnv(principal, source));
    else await uploadPack(deps, app, body, encoding, req, res);
  } finally {
    // An answer went out before the body was read: drain it, never parse it as a request.
    if (!req.complete) req.resume();
  }
}

/** A token may push or read only what its scope names; a refused push is audited. */
async function requireScope(deps: Deps, principal: Principal, action: 'push' | 'read', app: AppName, source: string): Promise<void> {
  if (allows(principal.scopes, action, app)) return;
  if (action === 'push') await auditRecord({ user: principal.user, via: 'git-http', source, action: 'git:push', app, result: 'denied', error: 'forbidden' }, deps);
  throw forbidden(principal, action, app);
}

/** What the pre-receive hook passes on, so the audit log knows who pushed. */
export const pusherEnv = (principal: Principal, source: string, via = 'git-http') =>
  ({ BERTH_PUSH_USER: principal.user, BERTH_PUSH_VIA: via, BERTH_PUSH_SOURCE: source });

function requireMethod(req: IncomingMessage, method: 'GET' | 'POST'): void {
  if (req.method === method || (method === 'GET' && req.method === 'HEAD')) return;
  throw new BerthError(method === 'GET' ? 'method_get' : 'method_post', `${req.method} is not allowed here: git sends ${method}`);
}

function requireMediaType(req: IncomingMessage, want: string): void {
  const got = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (got === want) return;
  throw new BerthError('unsupported_media_type', `Content-Type must be ${want}, not ${got ? `"${got.slice(0, 80)}"` : 'missing'}`,
    { hint: 'use a git client (git push / git fetch); other bodies are not taken here' });
}

async function infoRefs(deps: Deps, app: AppName, url: URL, res: ServerResponse): Promise<void> {
  const param = url.searchParams.get('service');
  if (param !== 'git-receive-pack' && param !== 'git-upload-pack') {
    throw fail('bad_service', `info/refs needs ?service=git-upload-pack or ?service=git-receive-pack${param ? `, not "${param.slice(0, 60)}"` : ''}`,
      'Berth speaks smart HTTP only: use git 1.6.6 or newer');
  }
  const service = param.slice('git-'.length) as GitService;
  const known = (await getApp(deps.redis, app)) !== undefined;
  if (service === 'upload-pack' && !known) throw appNotFound(app);
  // An app without a repo (or no app yet) advertises an empty one: a probe or ls-remote creates nothing.
  const dir = repoExists(repoPath(deps.config, app)) ? repoPath(deps.config, app) : await ensureTemplateRepo(deps.config);
  await advertise(service, dir, res, deps.config.git.receiveTimeoutMs);
}

async function sendHead(deps: Deps, app: AppName, res: ServerResponse): Promise<void> {
  const dir = repoPath(deps.config, app);
  if (!(await getApp(deps.redis, app)) || !repoExists(dir)) throw appNotFound(app);
  const head = await readFile(path.join(dir, 'HEAD'));
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(head);
}


async function receivePack(deps: Deps, app: AppName, body: Readable, encoding: string | undefined,
  req: IncomingMessage, res: ServerResponse, early: () => unknown, env: Record<string, string>): Promise<void> {
  const timeoutMs = deps.config.git.receiveTimeoutMs;
  const head = await readHead(body, { maxBytes: MAX_COMMANDS_BYTES, timeoutMs }).catch((err) => { throw bodyError(err, encoding); });
  const cmds = parsePushCommands(head.section);
  if (cmds.updates.length === 0) return probe(body, head.rest, 'receive-pack', res, timeoutMs, encoding);
  const known = (await getApp(deps.redis, app)) !== undefined;
  if (!known && !createsApp(cmds)) {
    await drain(body, timeoutMs, encoding);
    return refusePush(res, cmds, [
      failure(`The app "${app}" does not exist, and only a push to main or master creates it.`),
      failure('Push main first (git push berth main), or create the app with apps:create.'),
    ], `app ${app} does not exist`);
  }
  const dir = known ? await ensureRepo(deps.config, app) : await createIncomingRepo(deps.config, app);
  // A new app's incoming repo is settled before the pusher hears back.
  const settle = known ? undefined : async () => settleIncomingRepo(deps.config, app, dir, (await getApp(deps.redis, app)) !== undefined);
  if (early()) {
    await settle?.();
    throw bodyError(early(), encoding);
  }
  await runService({ service: 'receive-pack', dir, head: Buffer.concat([head.section, head.rest]), body, encoding, req, res, timeoutMs, afterGit: settle, env });
}

const createsApp = (cmds: PushCommands) => cmds.updates.some((u) => DEPLOY_REFS.includes(u.ref) && !isZeroOid(u.new));

async function uploadPack(deps: Deps, app: AppName, body: Readable, encoding: string | undefined,
  req: IncomingMessage, res: ServerResponse): Promise<void> {
  const timeoutMs = deps.config.git.receiveTimeoutMs;
  const dir = repoPath(deps.config, app);
  if (!(await getApp(deps.redis, app)) || !repoExists(dir)) throw appNotFound(app);
  const head = await readHead(body, { maxBytes: 65536, timeoutMs, firstLineOnly: true }).catch((err) => { throw bodyError(err, encoding); });
  if (head.section.toString('latin1') === FLUSH) return probe(body, head.rest, 'upload-pack', res, timeoutMs, encoding);
  if (!head.section.subarray(4, 9).equals(Buffer.from('want '))) {
    throw fail('not_a_git_request', 'this is not a git fetch: it must start with a "want" line', 'use git fetch / git clone');
  }
  await runService({ service: 'upload-pack', dir, head: Buffer.concat([head.section, head.rest]), body, encoding, req, res, timeoutMs });
}

/** git's probe before a large request: a lone flush-pkt, answered with nothing, as git itself does. */
async function probe(body: Readable, rest: Buffer, service: GitService, res: ServerResponse, timeoutMs: number, encoding: string | undefined): Promise<void> {
  const extra = rest.length + (await drain(body, timeoutMs, encoding));
  if (extra > 0) throw fail('not_a_git_request', 'this is not a git request: data after an empty command list');
  res.writeHead(200, { 'content-type': `application/x-git-${service}-result`, 'cache-control': 'no-cache' });
  res.end();
}

/** Reads a body to its end (deadline per pause), returning how many bytes it had. */
function drain(body: Readable, timeoutMs: number, encoding: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const stalled = () => done(new BerthError('git_timeout', `the request body stalled for ${Math.round(timeoutMs / 1000)} s`));
    const timer = setTimeout(stalled, timeoutMs);
    const onData = (c: Buffer) => { n += c.length; timer.refresh(); };
    const onEnd = () => done();
    function done(err?: unknown) {
      clearTimeout(timer);
      body.off('data', onData).off('end', onEnd).off('error', done);
      if (err === undefined) resolve(n); else { body.resume(); reject(bodyError(err, encoding)); }
    }
    body.on('data', onData).on('end', onEnd).on('error', done);
    // A body that was all in before we looked (auth is async) may have ended already.
    if (body.readableEnded) return done();
    body.resume();
  });
}
