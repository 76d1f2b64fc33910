// apps:status — GET /status (every app) and /apps/:app/status as JSON, and
// GET /status/stream: the same list over SSE, sent again whenever an app or
// route changes (pub/sub) and at least every few seconds while something
// differs, so the apps page is live without polling from the browser.
import type Router from '@koa/router';
import { appsStatus } from '../../ops/apps/status.js';
import type { OpsDeps } from '../../ops/deps.js';
import { watchAppChanges } from '../../store/app-events.js';
import { openSse } from '../sse.js';

/** Minimum gap between two snapshots of one stream; also the catch-all poll for crashes. */
const COALESCE_MS = 250;
const RESCAN_MS = 5000;

export function statusRoutes(router: Router, deps: OpsDeps): void {
  router.get('/status', async (ctx) => { ctx.body = { apps: await appsStatus({}, deps) }; });
  router.get('/apps/:app/status', async (ctx) => { ctx.body = { app: (await appsStatus({ app: ctx.params.app }, deps))[0] }; });
  router.get('/status/stream', async (ctx) => {
    const only = typeof ctx.query.app === 'string' ? ctx.query.app : undefined;
    const first = await appsStatus({ app: only }, deps);
    const sse = openSse(ctx);
    let last = JSON.stringify(first);
    sse.send({ apps: first }, 'apps');
    let timer: NodeJS.Timeout | undefined;
    let busy = false;
    const refresh = async () => {
      timer = undefined;
      if (busy || sse.signal.aborted) return;
      busy = true;
      try {
        const apps = await appsStatus({ app: only }, deps);
        const text = JSON.stringify(apps);
        if (text !== last) { last = text; sse.send({ apps }, 'apps'); }
      } catch (err) {
        sse.send({ message: (err as Error).message }, 'error');
      } finally { busy = false; }
    };
    const soon = (app?: string) => { if (!timer && (!only || app === only)) timer = setTimeout(() => void refresh(), COALESCE_MS); };
    const sub = await watchAppChanges(deps.redis, soon);
    const rescan = setInterval(() => soon(only), RESCAN_MS);
    sse.signal.addEventListener('abort', () => {
      clearInterval(rescan);
      if (timer) clearTimeout(timer);
      sub.disconnect();
    });
  });
}
