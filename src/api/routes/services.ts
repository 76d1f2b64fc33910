// services, services:create, services:info, services:destroy, services:link,
// services:unlink, services:promote, services:logs, services:restart.
// Reads need `read` on the install, changes `admin` (api/auth.ts: paths
// outside /apps/:app). Each route is a thin adapter over ops/services/.
import type Router from '@koa/router';
import type { OpsDeps } from '../../ops/deps.js';
import { servicesCreate } from '../../ops/services/create.js';
import { servicesInfo, servicesList } from '../../ops/services/info.js';
import { servicesLink, servicesPromote, servicesUnlink } from '../../ops/services/link.js';
import { servicesDestroy, servicesLogs, servicesRestart } from '../../ops/services/manage.js';
import { bodyFields } from '../body-fields.js';

export function servicesRoutes(router: Router, deps: OpsDeps): void {
  router.get('/services', async (ctx) => { ctx.body = { services: await servicesList({}, deps) }; });
  router.post('/services', async (ctx) => {
    const b = bodyFields(ctx, ['kind', 'name']);
    const out = await servicesCreate({ kind: b.kind, name: b.name }, deps);
    ctx.status = 201;
    ctx.body = out;
  });
  router.get('/services/:name', async (ctx) => { ctx.body = { service: await servicesInfo({ name: ctx.params.name }, deps) }; });
  router.delete('/services/:name', async (ctx) => { bodyFields(ctx, []); ctx.body = await servicesDestroy({ name: ctx.params.name, confirm: ctx.query.confirm }, deps); });
  router.post('/services/:name/links', async (ctx) => {
    ctx.body = await servicesLink({ name: ctx.params.name, app: bodyFields(ctx, ['app']).app }, deps);
  });
  router.delete('/services/:name/links/:app', async (ctx) => { bodyFields(ctx, []); ctx.body = await servicesUnlink({ name: ctx.params.name, app: ctx.params.app }, deps); });
  router.post('/services/:name/promote', async (ctx) => {
    ctx.body = await servicesPromote({ name: ctx.params.name, app: bodyFields(ctx, ['app']).app }, deps);
  });
  router.get('/services/:name/logs', async (ctx) => { ctx.body = await servicesLogs({ name: ctx.params.name, lines: ctx.query.lines }, deps); });
  router.post('/services/:name/restart', async (ctx) => { bodyFields(ctx, []); ctx.body = await servicesRestart({ name: ctx.params.name }, deps); });
}
