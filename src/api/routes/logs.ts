// logs (JSON, or SSE with ?tail=1; ?batch=1 sends the backlog as `lines` events), builds, builds:output, run
import type { ApiRouter } from '../api-router.js';
import { logsRead, logsTailEntries } from '../../ops/logs/read.js';
import { buildsList, buildsOutput } from '../../ops/builds/list.js';
import { buildsCacheClear } from '../../ops/builds/cache-clear.js';
import { runPrepare, runStart } from '../../ops/run/run.js';
import type { OpsDeps } from '../../ops/deps.js';
import { bodyFields, booleanField } from '../body-fields.js';
import { fail } from '../../shared/errors.js';
import { openSse } from '../sse.js';
import type { AppLogEntry } from '../../store/app-logs.js';

const truthy = (v: unknown) => v === '1' || v === 'true';
const BATCH = 1000;
/** Where a reconnecting client left off: the SSE header, or `?after=` for clients that cannot set it. */
const lastEventId = (ctx: { get(h: string): string; query: Record<string, unknown> }) => ctx.get('last-event-id') || ctx.query.after;

export function logsRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/apps/:app/logs', 'app:read', async (ctx) => {
    const input = { app: ctx.params.app, n: ctx.query.n, type: ctx.query.type };
    if (!truthy(ctx.query.tail)) { ctx.body = { lines: await logsRead(input, deps) }; return; }
    const abort = new AbortController();
    const { backlog, follow, share } = await logsTailEntries({ ...input, after: lastEventId(ctx) }, deps, abort.signal);
    const sse = openSse(ctx);
    sse.signal.addEventListener('abort', () => abort.abort());
    // The dashboard takes lines in batches: 100,000 events cost a browser seconds.
    const batched = truthy(ctx.query.batch);
    const send = (entries: readonly AppLogEntry[]) => {
      if (batched) {
        for (let i = 0; i < entries.length; i += BATCH) {
          const chunk = entries.slice(i, i + BATCH);
          sse.send({ lines: chunk.map((e) => [e.id, e.line.time, e.line.process, e.line.line]) }, 'lines', chunk[chunk.length - 1]!.id);
        }
      } else for (const e of entries) sse.send(e.line, undefined, e.id);
      // A client that cannot keep up is let go rather than buffered without end:
      // it reconnects with the last id it got and resumes, losing nothing.
      if (sse.buffered > deps.config.dashboard.streamBufferBytes) sse.end();
    };
    send(backlog);
    // Tells a client that the backlog is complete (the dashboard hides its spinner).
    sse.send({ backlog: backlog.length }, 'ready');
    void (async () => {
      if (await share(send)) return;
      for await (const e of follow) send([e]);
      sse.end();
    })().catch(() => sse.end());
  });

  router.get('/apps/:app/builds', 'app:read', async (ctx) => { ctx.body = { builds: await buildsList({ app: ctx.params.app }, deps) }; });
  router.delete('/apps/:app/builds/cache', 'app:admin', async (ctx) => { bodyFields(ctx, []); ctx.body = await buildsCacheClear({ app: ctx.params.app }, deps); });
  router.get('/apps/:app/builds/:id/output', 'app:read', async (ctx) => {
    const follow = truthy(ctx.query.follow);
    const abort = new AbortController();
    const { build, events } = await buildsOutput({ app: ctx.params.app, id: ctx.params.id, after: follow ? lastEventId(ctx) : undefined }, deps, abort.signal);
    if (!follow) {
      // Replay what is stored, without waiting for a running build to end.
      const lines: string[] = [];
      const timer = setTimeout(() => abort.abort(), 300);
      for await (const ev of events) if ('line' in ev) lines.push(ev.line);
      clearTimeout(timer);
      ctx.body = { build, lines };
      return;
    }
    const sse = openSse(ctx);
    sse.signal.addEventListener('abort', () => abort.abort());
    void (async () => {
      for await (const ev of events) {
        if ('line' in ev) sse.send({ line: ev.line }, undefined, ev.id);
        else sse.send({ status: ev.end }, 'end', ev.id);
      }
      sse.end();
    })().catch(() => sse.end());
  });

  router.post('/apps/:app/run', 'app:admin', async (ctx) => {
    const body = bodyFields(ctx, ['command', 'detach']);
    const c = body.command;
    if (c !== undefined && typeof c !== 'string' && !(Array.isArray(c) && c.every((a) => typeof a === 'string'))) {
      throw fail('invalid_field', `"command" must be a shell line (a string) or an argv list of strings, not ${Array.isArray(c) ? 'a list with other values' : c === null ? 'null' : typeof c === 'object' ? 'an object' : `a ${typeof c}`}`,
        'for example: { "command": "ls -la" } or { "command": ["ls", "-la"] }');
    }
    const run = await runPrepare({ app: ctx.params.app, command: body.command, detach: booleanField(body.detach, 'detach', false) }, deps);
    if (run.detach) { ctx.body = await runStart(run, deps); return; }
    const sse = openSse(ctx);
    // Not awaited: koa sends the stream only once this handler returns.
    void runStart(run, deps, { onOutput: (stream, text) => sse.send({ stream, text }), signal: sse.signal })
      .then((result) => sse.send(result, 'exit'), (err: Error) => sse.send({ message: err.message }, 'error'))
      .finally(() => sse.end());
  });
}
