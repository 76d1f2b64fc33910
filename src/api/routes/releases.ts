// releases, rollback
import type { ApiRouter } from '../api-router.js';
import { releasesList } from '../../ops/releases/list.js';
import { releasesRollback } from '../../ops/releases/rollback.js';
import type { OpsDeps } from '../../ops/deps.js';
import { bodyFields } from '../body-fields.js';

export function releasesRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/apps/:app/releases', 'app:read', async (ctx) => { ctx.body = { releases: await releasesList({ app: ctx.params.app }, deps) }; });
  router.post('/apps/:app/rollback', 'app:admin', async (ctx) => {
    const body = bodyFields(ctx, ['version']);
    ctx.body = await releasesRollback({ app: ctx.params.app, version: body.version }, deps);
  });
}
