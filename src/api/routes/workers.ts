// workers — GET /workers: the build workers and what they are building.
import type Router from '@koa/router';
import type { OpsDeps } from '../../ops/deps.js';
import { workersList } from '../../ops/workers/list.js';

export function workersRoutes(router: Router, deps: OpsDeps): void {
  router.get('/workers', async (ctx) => { ctx.body = { workers: await workersList({}, deps) }; });
}
