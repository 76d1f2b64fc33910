// domains, domains:add (POST { hostname }), domains:remove (DELETE /:hostname)
import type Router from '@koa/router';
import type { OpsDeps } from '../../ops/deps.js';
import { bodyFields } from '../body-fields.js';
import { domainsAdd } from '../../ops/domains/add.js';
import { domainsList } from '../../ops/domains/list.js';
import { domainsRemove } from '../../ops/domains/remove.js';

export function domainsRoutes(router: Router, deps: OpsDeps): void {
  router.get('/apps/:app/domains', async (ctx) => { ctx.body = await domainsList({ app: ctx.params.app }, deps); });
  router.post('/apps/:app/domains', async (ctx) => {
    const body = bodyFields(ctx, ['hostname']);
    ctx.status = 201;
    ctx.body = await domainsAdd({ app: ctx.params.app, hostname: body.hostname }, deps);
  });
  router.delete('/apps/:app/domains/:hostname', async (ctx) => {
    bodyFields(ctx, []);
    ctx.body = await domainsRemove({ app: ctx.params.app, hostname: ctx.params.hostname }, deps);
  });
}
