// services:export <name> > dump and services:import <name> < dump: the
// kind's own backup and restore formats (pg_dump -Fc, RDB) streamed straight
// through the API, not through the backup store. An export that fails
// mid-way destroys the stream, so the client sees a cut response, never a
// short file that looks whole. An import is bounded in size, cut when it
// stalls, and under the backup deadline as a whole.
import { PassThrough, Transform, type Readable } from 'node:stream';
import { BerthError, fail } from '../../shared/errors.js';
import type { OpsDeps } from '../deps.js';
import { requireService } from './lookup.js';
import { waitReady } from './ready.js';

export async function servicesExport(input: { name: unknown; signal?: AbortSignal }, deps: OpsDeps): Promise<{ filename: string; stream: Readable }> {
  const ctx = await requireService(input.name, deps);
  // Checked before the answer starts: once it has, a failure can only cut the stream.
  const st = await ctx.runtime.state(ctx.record.name);
  if (st.state !== 'running') throw fail('service_not_running', `${ctx.record.name} is ${st.state}, so it cannot be exported`, `start it with berth services:restart ${ctx.record.name}`);
  const out = new PassThrough();
  const signal = AbortSignal.any([AbortSignal.timeout(deps.config.backups.timeoutMs), ...(input.signal ? [input.signal] : [])]);
  void ctx.kind.backup(ctx.runtime.handle(ctx.spec), ctx.secrets, out, signal)
    .then(() => out.end(), (err: Error) => { console.error(`services:export ${ctx.record.name}: ${err.message}`); out.destroy(err); });
  return { filename: `${ctx.record.name}.${ctx.kind.backupExtension}`, stream: out };
}

export async function servicesImport(input: { name: unknown; body: Readable }, deps: OpsDeps): Promise<{ imported: string; bytes: number; durationMs: number }> {
  const ctx = await requireService(input.name, deps);
  const { maxImportBytes, streamIdleMs, timeoutMs } = deps.config.backups;
  const started = Date.now();
  let bytes = 0;
  let idle: NodeJS.Timeout | undefined;
  const bounded = new Transform({
    transform(chunk: Buffer, _e, cb) {
      bytes += chunk.length;
      if (bytes > maxImportBytes) return cb(new BerthError('import_too_large', `the import is larger than ${Math.round(maxImportBytes / 1048576)} MiB`, { hint: 'raise BERTH_BACKUP_MAX_IMPORT_MB' }));
      idle?.refresh();
      cb(null, chunk);
    },
  });
  idle = setTimeout(() => bounded.destroy(new BerthError('import_stalled', `the import sent nothing for ${Math.round(streamIdleMs / 1000)} s`, { hint: 'send the dump in one go: berth services:import <name> < dump' })), streamIdleMs);
  input.body.on('error', (err) => bounded.destroy(err));
  input.body.pipe(bounded);
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    let streamError: Error | undefined;
    bounded.on('error', (err) => { streamError = err; });
    await ctx.kind.restore(ctx.runtime.handle(ctx.spec), ctx.secrets, bounded, signal).catch((err: unknown) => { throw streamError ?? err; });
    if (streamError) throw streamError;
    if (bytes === 0) throw new BerthError('import_empty', 'the import was empty', { hint: 'pipe a dump in: berth services:import <name> < dump' });
    await waitReady(ctx, deps);
  } finally {
    clearTimeout(idle);
  }
  return { imported: ctx.record.name, bytes, durationMs: Date.now() - started };
}
