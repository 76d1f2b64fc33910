// workers — GET /workers: the build workers and what they are building.
import type { ApiRouter } from '../api-router.js';
import type { OpsDeps } from '../../ops/deps.js';
import { workersList } from '../../ops/workers/list.js';

export function workersRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/workers', 'read', async (ctx) => { ctx.body = { workers: await workersList({}, deps) }; });
}
