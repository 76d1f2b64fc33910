// services, services:create, services:info, services:destroy, services:link,
// services:unlink, services:promote, services:logs, services:restart.
// Reads need `read` on the install, changes `admin` (each route's policy). Each route is a thin adapter over ops/services/.
import type { ApiRouter } from '../api-router.js';
import type { OpsDeps } from '../../ops/deps.js';
import { servicesCreate } from '../../ops/services/create.js';
import { servicesInfo, servicesList } from '../../ops/services/info.js';
import { servicesLink, servicesPromote, servicesUnlink } from '../../ops/services/link.js';
import { servicesDestroy, servicesLogs, servicesRestart } from '../../ops/services/manage.js';
import { bodyFields } from '../body-fields.js';

export function servicesRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/services', 'read', async (ctx) => { ctx.body = { services: await servicesList({}, deps) }; });
  router.post('/services', 'admin', async (ctx) => {
    const b = bodyFields(ctx, ['kind', 'name']);
    const out = await servicesCreate({ kind: b.kind, name: b.name }, deps);
    ctx.status = 201;
    ctx.body = out;
  });
  router.get('/services/:name', 'read', async (ctx) => { ctx.body = { service: await servicesInfo({ name: ctx.params.name }, deps) }; });
  router.delete('/services/:name', 'admin', async (ctx) => { bodyFields(ctx, []); ctx.body = await servicesDestroy({ name: ctx.params.name, confirm: ctx.query.confirm }, deps); });
  router.post('/services/:name/links', 'admin', async (ctx) => {
    ctx.body = await servicesLink({ name: ctx.params.name, app: bodyFields(ctx, ['app']).app }, deps);
  });
  router.delete('/services/:name/links/:app', 'admin', async (ctx) => { bodyFields(ctx, []); ctx.body = await servicesUnlink({ name: ctx.params.name, app: ctx.params.app }, deps); });
  router.post('/services/:name/promote', 'admin', async (ctx) => {
    ctx.body = await servicesPromote({ name: ctx.params.name, app: bodyFields(ctx, ['app']).app }, deps);
  });
  router.get('/services/:name/logs', 'read', async (ctx) => { ctx.body = await servicesLogs({ name: ctx.params.name, lines: ctx.query.lines }, deps); });
  router.post('/services/:name/restart', 'admin', async (ctx) => { bodyFields(ctx, []); ctx.body = await servicesRestart({ name: ctx.params.name }, deps); });
}
