// apps:status — GET /status (every app) and /apps/:app/status as JSON, and
// GET /status/stream: the same list over SSE, sent again whenever an app or
// route changes (pub/sub) and at least every few seconds while something
// differs, so the apps page is live without polling from the browser; one
// shared feed per view however many clients watch it (status-feed.ts).
import type { ApiRouter } from '../api-router.js';
import { appsStatus } from '../../ops/apps/status.js';
import type { OpsDeps } from '../../ops/deps.js';
import { allows, forbidden, readableApps } from '../../shared/access.js';
import type { AppName } from '../../shared/app-name.js';
import { principalOf } from '../auth.js';
import { openSse } from '../sse.js';
import { statusView } from '../status-feed.js';

export function statusRoutes(router: ApiRouter, deps: OpsDeps): void {
  // A token scoped to some apps sees only those, as in GET /apps.
  router.get('/status', 'signed-in', async (ctx) => {
    const scopes = principalOf(ctx).scopes;
    ctx.body = { apps: (await appsStatus({}, deps)).filter((a) => allows(scopes, 'read', a.name as AppName)) };
  });
  router.get('/apps/:app/status', 'app:read', async (ctx) => { ctx.body = { app: (await appsStatus({ app: ctx.params.app }, deps))[0] }; });
  router.get('/status/stream', 'signed-in', async (ctx) => {
    const only = typeof ctx.query.app === 'string' ? ctx.query.app : undefined;
    const principal = principalOf(ctx);
    if (only !== undefined && !allows(principal.scopes, 'read', only as AppName)) throw forbidden(principal, 'read', only as AppName);
    const readable = readableApps(principal.scopes);
    const view = await statusView(only, readable === 'all' ? undefined : readable, deps);
    const sse = openSse(ctx);
    sse.sendText(view.last, 'apps');
    view.join(sse);
  });
}
