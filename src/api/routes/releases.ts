// releases, rollback
import type Router from '@koa/router';
import { releasesList } from '../../ops/releases/list.js';
import { releasesRollback } from '../../ops/releases/rollback.js';
import type { OpsDeps } from '../../ops/deps.js';
import { bodyFields } from '../body-fields.js';

export function releasesRoutes(router: Router, deps: OpsDeps): void {
  router.get('/apps/:app/releases', async (ctx) => { ctx.body = { releases: await releasesList({ app: ctx.params.app }, deps) }; });
  router.post('/apps/:app/rollback', async (ctx) => {
    const body = bodyFields(ctx, ['version']);
    ctx.body = await releasesRollback({ app: ctx.params.app, version: body.version }, deps);
  });
}
