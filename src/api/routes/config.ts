// config, config:get, config:set (PUT), config:unset (DELETE ?keys=A,B)
import type { ApiRouter } from '../api-router.js';
import { configGet, configList } from '../../ops/config/get.js';
import { configSet, configUnset } from '../../ops/config/set.js';
import type { OpsDeps } from '../../ops/deps.js';
import { bodyFields, booleanField, queryFlag } from '../body-fields.js';

export function configRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/apps/:app/config', 'app:read', async (ctx) => { ctx.body = { config: await configList({ app: ctx.params.app }, deps) }; });
  router.get('/apps/:app/config/:key', 'app:read', async (ctx) => { ctx.body = await configGet({ app: ctx.params.app, key: ctx.params.key }, deps); });
  router.put('/apps/:app/config', 'app:admin', async (ctx) => {
    const body = bodyFields(ctx, ['vars', 'restart']);
    ctx.body = await configSet({ app: ctx.params.app, vars: body.vars, restart: booleanField(body.restart, 'restart', true) }, deps);
  });
  router.delete('/apps/:app/config', 'app:admin', async (ctx) => {
    bodyFields(ctx, []);
    const restart = queryFlag(ctx, 'restart', true);
    const keys = typeof ctx.query.keys === 'string' ? ctx.query.keys.split(',').filter(Boolean) : [];
    ctx.body = await configUnset({ app: ctx.params.app, keys, restart }, deps);
  });
}
