// The dashboard's server side, served by the API process on the same origin:
//   security headers on every answer -> built assets (hashed, immutable)
//   -> the page (index.html, no-cache) at / and /apps/... -> sign-in routes.
// Its data comes from /api/v1 itself, with the session cookie in place of a
// bearer token (src/api/auth.ts), so there is no second API and no logic here.
import type { ApiRouter } from '../api/api-router.js';
import type { Context, Next } from 'koa';
import type { ApiFront } from '../api/app.js';
import type { OpsDeps } from '../ops/deps.js';
import { loadAssets, serveAsset } from './assets.js';
import { securityHeaders } from './headers.js';
import { sessionRoutes } from './session-routes.js';

export function dashboardFront(deps: OpsDeps & { adminToken: string }, publicDir?: string): ApiFront {
  const assets = loadAssets(publicDir);
  return {
    async middleware(ctx: Context, next: Next) {
      securityHeaders(ctx);
      if ((ctx.method === 'GET' || ctx.method === 'HEAD') && serveAsset(ctx, assets)) return;
      await next();
    },
    open(router: ApiRouter) { sessionRoutes(router, deps); },
  };
}
