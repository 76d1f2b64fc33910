// apps:status — GET /status (every app) and /apps/:app/status as JSON, and
// GET /status/stream: the same list over SSE, sent again whenever an app or
// route changes (pub/sub) and at least every few seconds while something
// differs, so the apps page is live without polling from the browser; one
// shared feed per view however many clients watch it (status-feed.ts).
import type Router from '@koa/router';
import { appsStatus } from '../../ops/apps/status.js';
import type { OpsDeps } from '../../ops/deps.js';
import { openSse } from '../sse.js';
import { statusView } from '../status-feed.js';

export function statusRoutes(router: Router, deps: OpsDeps): void {
  router.get('/status', async (ctx) => { ctx.body = { apps: await appsStatus({}, deps) }; });
  router.get('/apps/:app/status', async (ctx) => { ctx.body = { app: (await appsStatus({ app: ctx.params.app }, deps))[0] }; });
  router.get('/status/stream', async (ctx) => {
    const only = typeof ctx.query.app === 'string' ? ctx.query.app : undefined;
    const view = await statusView(only, deps);
    const sse = openSse(ctx);
    sse.sendText(view.last, 'apps');
    view.join(sse);
  });
}
