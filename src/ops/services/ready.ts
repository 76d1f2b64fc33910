// Waiting for a service to accept connections: its kind's health command is
// exec'd until it exits 0, within the configured deadline; a container that
// stopped meanwhile fails at once with its last log lines.
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../../shared/errors.js';
import type { OpsDeps } from '../deps.js';
import type { ServiceContext } from './lookup.js';

type Ready = Pick<ServiceContext, 'spec' | 'runtime' | 'kind' | 'secrets'>;

export async function waitReady(ctx: Ready, deps: OpsDeps): Promise<void> {
  const { spec, runtime } = ctx;
  const until = Date.now() + deps.config.services.readyTimeoutMs;
  const handle = runtime.handle(spec);
  let last = '';
  while (Date.now() < until) {
    const st = await runtime.state(spec.name);
    if (st.state === 'exited' || st.state === 'dead' || st.state === 'missing') {
      const lines = (await runtime.logs(spec.name, 10)).join('\n');
      throw new BerthError('service_failed', `the ${spec.kind} service ${spec.name} stopped while starting (${st.state}):\n${lines}`,
        { expose: true, hint: `see berth services:logs ${spec.name}` });
    }
    if (st.state === 'running') {
      const r = await handle.exec(spec.health, { timeoutMs: 10_000 }).catch((err: Error) => ({ code: -1, stderr: err.message }));
      if (r.code === 0) return;
      last = r.stderr.trim();
    }
    await sleep(500);
  }
  throw new BerthError('service_not_ready', `the ${spec.kind} service ${spec.name} did not accept connections within ${Math.round(deps.config.services.readyTimeoutMs / 1000)} s${last ? ` (${last.slice(0, 200)})` : ''}`,
    { hint: `see berth services:logs ${spec.name}; on a busy host raise BERTH_SERVICE_READY_TIMEOUT_SEC` });
}

/** Runs a command in the service and returns its stdout (bounded), or undefined when it fails. */
export async function execText(ctx: Pick<ServiceContext, 'spec' | 'runtime'>, cmd: readonly string[], timeoutMs = 10_000): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  const out = new Writable({ write(c: Buffer, _e, cb) { if (size < 64 * 1024) { chunks.push(c); size += c.length; } cb(); } });
  const r = await ctx.runtime.handle(ctx.spec).exec(cmd, { stdout: out, timeoutMs }).catch(() => undefined);
  return r?.code === 0 ? Buffer.concat(chunks).toString('utf8').trim() : undefined;
}
