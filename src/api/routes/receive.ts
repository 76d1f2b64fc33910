// POST /internal/v1/receive/:app — the pre-receive hook's endpoint. Takes
// the pushed tree as a tar, queues the build, and streams the build log
// back as plain lines, ending with a status line the hook turns into its
// exit code. Only the hook knows the secret.
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiRouter } from '../api-router.js';
import type { OpsDeps } from '../../ops/deps.js';
import { deployReceive, pushFollow } from '../../ops/deploy/receive.js';
import { BerthError, unauthorized } from '../../shared/errors.js';
import { buildsDir } from '../../pipeline/paths.js';
import { diskFullError, saysDiskFull } from '../../pipeline/disk-full.js';
import { auditRecord, type Actor } from '../../ops/audit/record.js';
import { failure, RECEIVE_STATUS_PREFIX as STATUS_PREFIX } from '../../shared/push-output.js';


function checkSecret(header: string | undefined, secret: string): void {
  const got = Buffer.from(header?.replace(/^Bearer /, '') ?? '');
  const want = Buffer.from(secret);
  if (got.length !== want.length || !timingSafeEqual(got, want)) throw unauthorized('invalid hook secret');
}

function limitBytes(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) {
        cb(new BerthError('push_too_large', `the pushed tree is larger than ${Math.round(max / 1048576)} MiB`,
          { hint: 'remove large files from the repo (or raise BERTH_MAX_PUSH_MB on the server)' }));
      } else cb(null, chunk);
    },
  });
}

/** The pusher, as the git receiver (HTTP or SSH) told the hook. */
function pusherOf(query: Record<string, unknown>): Actor {
  const q = (k: string) => (typeof query[k] === 'string' ? (query[k] as string) : '');
  return { user: q('user') || '-', via: q('via') || 'git', source: q('source') || 'unknown' };
}

export function receiveRoutes(router: ApiRouter, deps: OpsDeps & { hookSecret: string }): void {
  router.post('/internal/v1/receive/:app', { public: 'the pre-receive hook: it proves the hook secret, checked first' }, async (ctx) => {
    checkSecret(ctx.get('authorization'), deps.hookSecret);
    const actor = pusherOf(ctx.query);
    const detail = `${String(ctx.query.ref ?? '')} ${String(ctx.query.rev ?? '').slice(0, 7)}`.trim();
    const audit = (result: 'ok' | 'failed', error?: string) =>
      auditRecord({ ...actor, action: 'git:push', app: ctx.params.app, detail, result, ...(error ? { error } : {}) }, deps);
    await mkdir(buildsDir(deps.config), { recursive: true });
    const tarPath = path.join(buildsDir(deps.config), `incoming-${randomBytes(6).toString('hex')}.tar`);
    let buildId: string;
    try {
      await pipeline(ctx.req, limitBytes(deps.config.build.maxPushBytes), createWriteStream(tarPath));
      ({ buildId } = await deployReceive({ app: ctx.params.app, rev: ctx.query.rev, ref: ctx.query.ref, tarPath, create: ctx.query.create === '1' }, deps));
    } catch (caught) {
      await rm(tarPath, { force: true });
      // A disk that fills while the pushed tree is written is said so, not "internal error".
      const err = saysDiskFull(caught) ? await diskFullError(caught, buildsDir(deps.config), deps.config.dataDir, 'storing the pushed tree') : caught;
      if (err instanceof BerthError) {
        await audit('failed', err.code);
        // The hook prints the body as-is: give it push-output lines.
        ctx.status = 200;
        ctx.type = 'text/plain';
        ctx.body = `${failure(err.message)}\n${err.hint ? `${failure(err.hint)}\n` : ''}${STATUS_PREFIX}failed\n`;
        return;
      }
      throw err;
    }
    const out = new PassThrough();
    ctx.status = 200;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = out;
    const abort = new AbortController();
    // A pusher who hits Ctrl-C stops following; the build itself goes on.
    ctx.res.on('close', () => abort.abort());
    void (async () => {
      let status = 'failed';
      try {
        for await (const ev of pushFollow(buildId, deps, abort.signal)) {
          if ('end' in ev) status = ev.end;
          else out.write(`${ev.line}\n`);
        }
      } catch (err) {
        out.write(`${failure(`lost the build log: ${(err as Error).message}`)}\n`);
      }
      out.end(`${STATUS_PREFIX}${status}\n`);
      await audit(status === 'succeeded' ? 'ok' : 'failed', status === 'succeeded' ? undefined : status);
    })();
  });
}
