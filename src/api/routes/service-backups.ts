// services:backup, services:backups, services:backups:schedule,
// services:backups:unschedule, services:restore, services:export,
// services:import. Listing needs `read`; everything else `admin`, export
// included (it hands out the data), which is why it is a POST.
import type { ApiRouter } from '../api-router.js';
import type { OpsDeps } from '../../ops/deps.js';
import { servicesBackup } from '../../ops/services/backup.js';
import { servicesBackupsSchedule, servicesBackupsUnschedule } from '../../ops/services/backup-schedule.js';
import { servicesBackups } from '../../ops/services/backups-list.js';
import { servicesRestore } from '../../ops/services/restore.js';
import { servicesExport, servicesImport } from '../../ops/services/transfer.js';
import { bodyFields } from '../body-fields.js';

export function serviceBackupsRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/services/:name/backups', 'read', async (ctx) => { ctx.body = await servicesBackups({ name: ctx.params.name }, deps); });
  router.post('/services/:name/backups', 'admin', async (ctx) => {
    const b = bodyFields(ctx, ['keep']);
    ctx.status = 201;
    ctx.body = await servicesBackup({ name: ctx.params.name, keep: b.keep, trigger: 'manual' }, deps);
  });
  router.put('/services/:name/backups/schedule', 'admin', async (ctx) => {
    const b = bodyFields(ctx, ['cron', 'keep']);
    ctx.body = await servicesBackupsSchedule({ name: ctx.params.name, cron: b.cron, keep: b.keep }, deps);
  });
  router.delete('/services/:name/backups/schedule', 'admin', async (ctx) => { bodyFields(ctx, []); ctx.body = await servicesBackupsUnschedule({ name: ctx.params.name }, deps); });
  router.post('/services/:name/restore', 'admin', async (ctx) => {
    const b = bodyFields(ctx, ['backup', 'to']);
    ctx.body = await servicesRestore({ name: ctx.params.name, backup: b.backup, to: b.to }, deps);
  });
  router.post('/services/:name/export', 'admin', async (ctx) => {
    bodyFields(ctx, []);
    const gone = new AbortController();
    ctx.req.once('close', () => { if (!ctx.res.writableFinished) gone.abort(); });
    const { filename, stream } = await servicesExport({ name: ctx.params.name, signal: gone.signal }, deps);
    ctx.set('content-type', 'application/octet-stream');
    ctx.set('content-disposition', `attachment; filename="${filename}"`);
    ctx.body = stream;
  });
  // The dump is the request body, streamed: no JSON parsing (and stream-uploads.ts lifts the 30 s body deadline).
  router.put('/services/:name/import', 'admin', async (ctx) => {
    ctx.body = await servicesImport({ name: ctx.params.name, body: ctx.req }, deps);
  }, { rawBody: true });
}
