// certs, certs:add (PUT { cert, key }), certs:remove (DELETE /:id),
// certs:auto (POST /auto; DELETE /auto turns it off), certs:redirect (PUT /redirect { enabled })
import type { ApiRouter } from '../api-router.js';
import type { OpsDeps } from '../../ops/deps.js';
import { bodyFields } from '../body-fields.js';
import { certsAdd } from '../../ops/certs/add.js';
import { certsAuto, certsAutoDisable } from '../../ops/certs/auto.js';
import { certsList } from '../../ops/certs/list.js';
import { certsRedirect } from '../../ops/certs/redirect.js';
import { certsRemove } from '../../ops/certs/remove.js';

export function certsRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/apps/:app/certs', 'app:read', async (ctx) => { ctx.body = await certsList({ app: ctx.params.app }, deps); });
  router.put('/apps/:app/certs', 'app:admin', async (ctx) => {
    const body = bodyFields(ctx, ['cert', 'key']);
    ctx.body = await certsAdd({ app: ctx.params.app, cert: body.cert, key: body.key }, deps);
  });
  router.post('/apps/:app/certs/auto', 'app:admin', async (ctx) => {
    bodyFields(ctx, []);
    const report = await certsAuto({ app: ctx.params.app }, deps);
    ctx.status = report.acme?.state === 'pending' ? 202 : 200;
    ctx.body = report;
  });
  router.delete('/apps/:app/certs/auto', 'app:admin', async (ctx) => { bodyFields(ctx, []); ctx.body = await certsAutoDisable({ app: ctx.params.app }, deps); });
  router.put('/apps/:app/certs/redirect', 'app:admin', async (ctx) => {
    const body = bodyFields(ctx, ['enabled']);
    ctx.body = await certsRedirect({ app: ctx.params.app, enabled: body.enabled }, deps);
  });
  router.delete('/apps/:app/certs/:id', 'app:admin', async (ctx) => { bodyFields(ctx, []); ctx.body = await certsRemove({ app: ctx.params.app, id: ctx.params.id }, deps); });
}
