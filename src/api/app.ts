// The API's koa application:
//   error shape -> JSON bodies -> /healthz and the hook endpoint (own auth)
//   -> /api/v1 behind the bearer token (principal, audit, scope check)
//   -> one route file per namespace.
// Each route is a thin adapter over an operation in src/ops.
import Koa from 'koa';
import Router from '@koa/router';
import type { OpsDeps } from '../ops/deps.js';
import { authorize, requireToken } from './auth.js';
import { auditRequests } from './audit.js';
import { errorMiddleware } from './errors.js';
import { jsonBody } from './json-body.js';
import { openApiDocument } from './openapi.js';
import { appsRoutes } from './routes/apps.js';
import { certsRoutes } from './routes/certs.js';
import { domainsRoutes } from './routes/domains.js';
import { metricsRoutes, prometheusRoutes } from './routes/metrics.js';
import { configRoutes } from './routes/config.js';
import { healthzRoutes } from './routes/healthz.js';
import { logsRoutes } from './routes/logs.js';
import { psRoutes } from './routes/ps.js';
import { receiveRoutes } from './routes/receive.js';
import { releasesRoutes } from './routes/releases.js';
import { accessRoutes } from './routes/access.js';
import { eventsRoutes } from './routes/events.js';
import { secretsRoutes } from './routes/secrets.js';
import { notFound } from '../shared/errors.js';

export interface ApiDeps extends OpsDeps {
  readonly hookSecret: string;
  readonly adminToken: string;
}

/** Namespaces add their routes here, in this order. */
export type RouteRegistrar = (router: Router, deps: OpsDeps) => void;
export const API_ROUTES: readonly RouteRegistrar[] = [appsRoutes, configRoutes, releasesRoutes, psRoutes, logsRoutes, domainsRoutes, certsRoutes, metricsRoutes, accessRoutes, eventsRoutes, secretsRoutes];

export function createApi(deps: ApiDeps, extra: readonly RouteRegistrar[] = []): Koa {
  const app = new Koa();
  app.use(errorMiddleware);
  app.use(jsonBody);

  const open = new Router();
  healthzRoutes(open, deps);
  receiveRoutes(open, deps);
  prometheusRoutes(open, deps);
  open.get('/api/v1/openapi.json', (ctx) => { ctx.body = openApiDocument(); });
  app.use(open.routes());

  const api = new Router({ prefix: '/api/v1' });
  api.use(requireToken(deps), auditRequests('/api/v1', deps), authorize('/api/v1'));
  for (const register of [...API_ROUTES, ...extra]) register(api, deps);
  app.use(api.routes());
  app.use(api.allowedMethods({ throw: false }));
  app.use((ctx) => {
    if (ctx.status === 404 && !ctx.body) throw notFound('not_found', `no route ${ctx.method} ${ctx.path}`, 'see /api/v1/openapi.json');
  });
  return app;
}
