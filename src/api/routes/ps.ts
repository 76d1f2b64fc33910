// ps, ps:scale (PUT formation), ps:restart, ps:stop, ps:start, resource:*
import type Router from '@koa/router';
import { psList, psScale } from '../../ops/ps/scale.js';
import { psRestart, psStart, psStop } from '../../ops/ps/restart.js';
import { resourceLimit, resourceReport } from '../../ops/resource/limit.js';
import type { OpsDeps } from '../../ops/deps.js';

export function psRoutes(router: Router, deps: OpsDeps): void {
  router.get('/apps/:app/ps', async (ctx) => { ctx.body = await psList({ app: ctx.params.app }, deps); });
  router.put('/apps/:app/formation', async (ctx) => {
    ctx.body = await psScale({ app: ctx.params.app, formation: (ctx.request.body as { formation?: unknown })?.formation }, deps);
  });
  router.post('/apps/:app/ps/restart', async (ctx) => {
    ctx.body = await psRestart({ app: ctx.params.app, type: (ctx.request.body as { type?: unknown })?.type }, deps);
  });
  router.post('/apps/:app/ps/stop', async (ctx) => { ctx.body = await psStop({ app: ctx.params.app }, deps); });
  router.post('/apps/:app/ps/start', async (ctx) => { ctx.body = await psStart({ app: ctx.params.app }, deps); });
  router.get('/apps/:app/resources', async (ctx) => { ctx.body = { resources: await resourceReport({ app: ctx.params.app }, deps) }; });
  router.put('/apps/:app/resources', async (ctx) => {
    const b = (ctx.request.body ?? {}) as { processType?: unknown; memory?: unknown; cpus?: unknown };
    ctx.body = { resources: await resourceLimit({ app: ctx.params.app, ...b }, deps) };
  });
}
