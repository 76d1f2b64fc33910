// cron:list (read) and cron:run (admin: it runs code), over src/ops/cron.
// cron:run streams like `run`: `data` events with output, then `exit`.
import type { ApiRouter } from '../api-router.js';
import { cronList } from '../../ops/cron/list.js';
import { cronRunPrepare, cronRunStart } from '../../ops/cron/run.js';
import type { OpsDeps } from '../../ops/deps.js';
import { bodyFields } from '../body-fields.js';
import { openSse } from '../sse.js';

export function cronRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/apps/:app/cron', 'app:read', async (ctx) => { ctx.body = await cronList({ app: ctx.params.app, runs: ctx.query.runs }, deps); });

  router.post('/apps/:app/cron/:id/run', 'app:admin', async (ctx) => {
    bodyFields(ctx, []);
    const run = await cronRunPrepare({ app: ctx.params.app, id: ctx.params.id }, deps);
    const sse = openSse(ctx);
    // Not awaited: koa sends the stream only once this handler returns.
    void cronRunStart(run, deps, { onOutput: (stream, text) => sse.send({ stream, text }), signal: sse.signal })
      .then((r) => sse.send(r.code === undefined ? { code: 1, outcome: r.outcome, reason: r.reason } : { code: r.code, outcome: r.outcome, ...(r.reason ? { reason: r.reason } : {}) }, 'exit'),
        (err: Error) => sse.send({ message: err.message }, 'error'))
      .finally(() => sse.end());
  });
}
