// apps, apps:create, apps:info, apps:destroy
import type { ApiRouter } from '../api-router.js';
import { appsCreate } from '../../ops/apps/create.js';
import { appsDestroy } from '../../ops/apps/destroy.js';
import { appsInfo } from '../../ops/apps/info.js';
import { appsList } from '../../ops/apps/list.js';
import { appUrl } from '../../config/index.js';
import { getApp } from '../../store/apps.js';
import type { OpsDeps } from '../../ops/deps.js';
import { allows } from '../../shared/access.js';
import type { AppName } from '../../shared/app-name.js';
import { principalOf } from '../auth.js';
import { bodyFields, queryFlag, stringField } from '../body-fields.js';

export function appsRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/apps', 'signed-in', async (ctx) => { ctx.body = { apps: (await appsList({}, deps)).filter((a) => allows(principalOf(ctx).scopes, 'read', a.name as AppName)) }; });
  router.post('/apps', 'admin', async (ctx) => {
    const { app } = await appsCreate({ name: stringField(bodyFields(ctx, ['name']).name, 'name') }, deps);
    ctx.status = 201;
    ctx.body = { app: { ...(await getApp(deps.redis, app)), url: appUrl(deps.config, app) } };
  });
  router.get('/apps/:app', 'app:read', async (ctx) => { ctx.body = { app: await appsInfo({ app: ctx.params.app, host: ctx.host }, deps) }; });
  router.delete('/apps/:app', 'app:admin', async (ctx) => {
    bodyFields(ctx, []);
    ctx.body = await appsDestroy({ app: ctx.params.app, confirm: ctx.query.confirm, purgeStorage: queryFlag(ctx, 'purge-storage', false) }, deps);
  });
}
