// GET /<app>.git/info/refs?service=git-…: git's ref advertisement, from
// `git <service> --advertise-refs`, within the git deadline. It is small,
// so it is read whole and then sent: a git that fails or hangs becomes a
// clear error instead of a half response.
import { spawn } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { BerthError } from '../shared/errors.js';
import { pkt, FLUSH } from './pkt-line.js';
import { NO_CACHE, replyError } from './reply.js';
import type { GitService } from './service.js';

const MAX_ADVERTISEMENT = 64 * 1024 * 1024;

export function advertise(service: GitService, dir: string, res: ServerResponse, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const ps = spawn('git', [service, '--stateless-rpc', '--advertise-refs', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failed: BerthError | undefined;
    const stop = (err: BerthError) => { failed ??= err; ps.kill('SIGKILL'); };
    const timer = setTimeout(() => stop(new BerthError('git_refs_timeout', `git took over ${Math.round(timeoutMs / 1000)} s to list the refs`, { expose: true })), timeoutMs);
    ps.on('error', (err) => stop(new BerthError('git_failed', `cannot run git: ${err.message}`, { expose: false })));
    ps.stdout.on('error', (err) => stop(new BerthError('git_failed', err.message, { expose: false })));
    ps.stderr.on('data', (d: Buffer) => { if (stderr.length < 4000) stderr += d.toString(); });
    ps.stdout.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_ADVERTISEMENT) stop(new BerthError('too_many_refs', 'the ref advertisement is too large', { expose: false }));
      else out.push(d);
    });
    // A client that leaves mid-way does not keep git running.
    res.on('close', () => { if (!res.writableFinished) stop(new BerthError('client_gone', 'client went away')); });
    ps.on('close', (code) => {
      clearTimeout(timer);
      if (!failed && code !== 0) failed = new BerthError('git_failed', `git ${service} --advertise-refs exited ${code}: ${stderr.trim()}`, { expose: false });
      if (failed) replyError(res, failed);
      else if (!res.destroyed) {
        res.writeHead(200, { 'content-type': `application/x-git-${service}-advertisement`, ...NO_CACHE });
        res.end(Buffer.concat([pkt(`# service=git-${service}\n`), Buffer.from(FLUSH), ...out]));
      }
      resolve();
    });
  });
}
