// secrets:rotate-key (POST /secrets/rotate-key), admin only (auth.ts).
import type { ApiRouter } from '../api-router.js';
import type { OpsDeps } from '../../ops/deps.js';
import { secretsRotateKey } from '../../ops/secrets/rotate-key.js';
import { bodyFields } from '../body-fields.js';

export function secretsRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.post('/secrets/rotate-key', 'admin', async (ctx) => { bodyFields(ctx, []); ctx.body = await secretsRotateKey(deps); });
}
