// storage:list (GET), storage:mount (POST), storage:unmount (DELETE
// ?mount=<source>:<path>), storage:strategy (PUT), and the install-wide
// storage:ensure-directory (POST /storage/directories, admin only).
import type { ApiRouter } from '../api-router.js';
import { storageEnsureDirectory } from '../../ops/storage/ensure-directory.js';
import { storageList, storageStrategy } from '../../ops/storage/list.js';
import { storageMount, storageUnmount } from '../../ops/storage/mount.js';
import type { OpsDeps } from '../../ops/deps.js';
import { bodyFields, booleanField, stringField } from '../body-fields.js';

export function storageRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/apps/:app/storage', 'app:read', async (ctx) => { ctx.body = await storageList({ app: ctx.params.app }, deps); });
  router.post('/apps/:app/storage', 'app:admin', async (ctx) => {
    const body = bodyFields(ctx, ['mount', 'processes', 'stopFirst']);
    ctx.status = 201;
    ctx.body = await storageMount({
      app: ctx.params.app, mount: stringField(body.mount, 'mount'), processes: body.processes,
      stopFirst: booleanField(body.stopFirst, 'stopFirst', false),
    }, deps);
  });
  router.delete('/apps/:app/storage', 'app:admin', async (ctx) => {
    bodyFields(ctx, []);
    ctx.body = await storageUnmount({ app: ctx.params.app, mount: typeof ctx.query.mount === 'string' ? ctx.query.mount : undefined }, deps);
  });
  router.put('/apps/:app/storage/strategy', 'app:admin', async (ctx) => {
    const body = bodyFields(ctx, ['strategy']);
    ctx.body = await storageStrategy({ app: ctx.params.app, strategy: stringField(body.strategy, 'strategy') }, deps);
  });
  router.post('/storage/directories', 'admin', async (ctx) => {
    const body = bodyFields(ctx, ['name']);
    ctx.status = 201;
    ctx.body = await storageEnsureDirectory({ name: stringField(body.name, 'name') }, deps);
  });
}
