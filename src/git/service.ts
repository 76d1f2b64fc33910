// Runs `git receive-pack|upload-pack --stateless-rpc` for one POST: the
// bytes the receiver already read, then the rest of the decoded body, go to
// git's stdin; git's stdout is the response. Every stream here has an error
// path that answers the client (or closes it) and kills git, and the body
// may not pause longer than the deadline. A push's deadline ends once its
// body is all in git's hands: the pre-receive hook then streams the build,
// which has its own time limit.
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { BerthError } from '../shared/errors.js';
import { bodyError } from './body.js';
import { NO_CACHE, replyError } from './reply.js';

export type GitService = 'receive-pack' | 'upload-pack';

export interface ServiceRun {
  readonly service: GitService;
  readonly dir: string;
  /** What the receiver read off the body already. */
  readonly head: Buffer;
  /** The rest of the decoded body, paused. */
  readonly body: Readable;
  readonly encoding: string | undefined;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly timeoutMs: number;
  /** Runs once git has exited, before the response ends (so the client sees its effect). */
  readonly afterGit?: () => Promise<void>;
  /** Extra environment for git (and so its hooks): who is pushing. */
  readonly env?: Readonly<Record<string, string>>;
}

const timeout = (what: string, ms: number) => new BerthError('git_timeout', `${what} for ${Math.round(ms / 1000)} s; gave up`,
  { hint: 'the server allows BERTH_GIT_RECEIVE_TIMEOUT_SEC of silence; check the network, then try again' });

/** Resolves once git has exited and the response is over (answered or closed). */
export function runService(run: ServiceRun): Promise<void> {
  const { service, body, req, res, timeoutMs } = run;
  const ps = spawn('git', [service, '--stateless-rpc', run.dir], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...run.env } });
  let bodyDone = false;
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  const alive = () => ps.exitCode === null && ps.signalCode === null;
  const kill = () => { if (alive()) ps.kill('SIGKILL'); };
  const arm = (what: string) => { clearTimeout(timer); timer = setTimeout(() => fail(timeout(what, timeoutMs)), timeoutMs); };
  const clientGone = () => res.destroyed || req.destroyed && !req.complete;
  const fail = (err: unknown) => {
    clearTimeout(timer);
    kill();
    body.unpipe();
    body.resume();
    replyError(res, err);
  };

  res.on('error', () => kill());
  ps.on('error', (err) => fail(new BerthError('git_failed', `cannot run git ${service}: ${err.message}`, { expose: false })));
  ps.stderr.on('data', (d: Buffer) => { if (stderr.length < 4000) stderr += d.toString(); });
  // EPIPE: git stopped reading (a bad or oversized pack); what it says on stdout is the answer.
  ps.stdin.on('error', () => { body.unpipe(); body.resume(); });
  ps.stdout.on('error', (err) => fail(err));

  body.on('data', () => { if (!bodyDone) arm('the request body stalled'); });
  body.on('error', (err) => fail(bodyError(err, run.encoding)));
  body.on('end', () => {
    bodyDone = true;
    if (service === 'upload-pack') arm('git produced no output'); else clearTimeout(timer);
  });
  // A client that leaves before its body is in gets its git killed; a push
  // whose body is in goes on (the build is already queued) and we drain git.
  res.on('close', () => {
    ps.stdout.resume();
    if (res.writableFinished) return;
    if (!bodyDone || service === 'upload-pack') { clearTimeout(timer); kill(); body.resume(); }
  });

  ps.stdout.on('data', (chunk: Buffer) => {
    if (service === 'upload-pack' && bodyDone) arm('git produced no output');
    if (clientGone()) return;
    if (!res.headersSent) res.writeHead(200, { 'content-type': `application/x-git-${service}-result`, ...NO_CACHE });
    if (!res.write(chunk)) { ps.stdout.pause(); res.once('drain', () => ps.stdout.resume()); }
  });

  arm('the request body stalled');
  ps.stdin.write(run.head);
  body.pipe(ps.stdin);
  // The body may have ended before we got here (all of it arrived during the
  // async auth and readHead took the last bytes): its 'end' will not come again.
  if (body.readableEnded) {
    bodyDone = true;
    if (service === 'upload-pack') arm('git produced no output'); else clearTimeout(timer);
    ps.stdin.end();
  }

  return new Promise((resolve) => {
    ps.on('close', async (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && !signal) console.error(`git ${service} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
      await run.afterGit?.().catch((err) => console.error(`git ${service}: after git: ${(err as Error).message}`));
      if (!clientGone() && !res.writableEnded) {
        if (res.headersSent) res.end();
        else if (code === 0) { res.writeHead(200, { 'content-type': `application/x-git-${service}-result`, ...NO_CACHE }); res.end(); }
        else replyError(res, new BerthError('git_refused', `git could not read the request: ${firstLine(stderr) || `exit ${code ?? signal}`}`));
      }
      if (!bodyDone) { body.unpipe(); body.resume(); }
      resolve();
    });
  });
}

const firstLine = (s: string) => s.trim().split('\n')[0]?.slice(0, 300) ?? '';
