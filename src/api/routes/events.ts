// events: GET /events?app=&n= (JSON), or SSE with ?tail=1 (berth events -t).
import type { ApiRouter } from '../api-router.js';
import { eventsList, eventsTail } from '../../ops/audit/list.js';
import type { OpsDeps } from '../../ops/deps.js';
import { principalOf } from '../auth.js';
import { openSse } from '../sse.js';

export function eventsRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/events', 'signed-in', async (ctx) => {
    const input = { app: ctx.query.app, n: ctx.query.n };
    const events = await eventsList(input, principalOf(ctx), deps);
    if (ctx.query.tail !== '1' && ctx.query.tail !== 'true') { ctx.body = { events }; return; }
    const sse = openSse(ctx);
    const follow = eventsTail(input, principalOf(ctx), deps, sse.signal);
    for (const e of events) sse.send(e);
    void (async () => { for await (const e of follow) sse.send(e); sse.end(); })().catch(() => sse.end());
  });
}
