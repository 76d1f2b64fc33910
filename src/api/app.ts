// The API's koa application: error shape first, then routes. The REST API
// under /api/v1 grows here; today it serves readiness and the hook endpoint.
import Koa from 'koa';
import Router from '@koa/router';
import type { Docker } from '../docker/client.js';
import type { OpsDeps } from '../ops/deps.js';
import { errorMiddleware } from './errors.js';
import { healthzRoutes } from './routes/healthz.js';
import { receiveRoutes } from './routes/receive.js';

export interface ApiDeps extends OpsDeps {
  readonly docker: Docker;
  readonly hookSecret: string;
  readonly adminToken: string;
}

export function createApi(deps: ApiDeps): Koa {
  const app = new Koa();
  const router = new Router();
  app.use(errorMiddleware);
  healthzRoutes(router, deps);
  receiveRoutes(router, deps);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
