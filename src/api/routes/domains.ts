// domains, domains:add (POST { hostname }), domains:remove (DELETE /:hostname)
import type { ApiRouter } from '../api-router.js';
import type { OpsDeps } from '../../ops/deps.js';
import { bodyFields } from '../body-fields.js';
import { domainsAdd } from '../../ops/domains/add.js';
import { domainsList } from '../../ops/domains/list.js';
import { domainsRemove } from '../../ops/domains/remove.js';

export function domainsRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/apps/:app/domains', 'app:read', async (ctx) => { ctx.body = await domainsList({ app: ctx.params.app }, deps); });
  router.post('/apps/:app/domains', 'app:admin', async (ctx) => {
    const body = bodyFields(ctx, ['hostname']);
    ctx.status = 201;
    ctx.body = await domainsAdd({ app: ctx.params.app, hostname: body.hostname }, deps);
  });
  router.delete('/apps/:app/domains/:hostname', 'app:admin', async (ctx) => {
    bodyFields(ctx, []);
    ctx.body = await domainsRemove({ app: ctx.params.app, hostname: ctx.params.hostname }, deps);
  });
}
