// ps, ps:scale (PUT formation), ps:restart, ps:stop, ps:start, resource:*
import type { ApiRouter } from '../api-router.js';
import { psList, psScale } from '../../ops/ps/scale.js';
import { psRestart, psStart, psStop } from '../../ops/ps/restart.js';
import { resourceLimit, resourceReport } from '../../ops/resource/limit.js';
import type { OpsDeps } from '../../ops/deps.js';
import { bodyFields, stringField } from '../body-fields.js';

export function psRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/apps/:app/ps', 'app:read', async (ctx) => { ctx.body = await psList({ app: ctx.params.app }, deps); });
  router.put('/apps/:app/formation', 'app:admin', async (ctx) => {
    ctx.body = await psScale({ app: ctx.params.app, formation: bodyFields(ctx, ['formation']).formation }, deps);
  });
  router.post('/apps/:app/ps/restart', 'app:admin', async (ctx) => {
    ctx.body = await psRestart({ app: ctx.params.app, type: stringField(bodyFields(ctx, ['type']).type, 'type') }, deps);
  });
  router.post('/apps/:app/ps/stop', 'app:admin', async (ctx) => { bodyFields(ctx, []); ctx.body = await psStop({ app: ctx.params.app }, deps); });
  router.post('/apps/:app/ps/start', 'app:admin', async (ctx) => { bodyFields(ctx, []); ctx.body = await psStart({ app: ctx.params.app }, deps); });
  router.get('/apps/:app/resources', 'app:read', async (ctx) => { ctx.body = { resources: await resourceReport({ app: ctx.params.app }, deps) }; });
  router.put('/apps/:app/resources', 'app:admin', async (ctx) => {
    const b = bodyFields(ctx, ['processType', 'memory', 'cpus']);
    ctx.body = { resources: await resourceLimit({ app: ctx.params.app, processType: b.processType, memory: b.memory, cpus: b.cpus }, deps) };
  });
}
