// The API's koa application:
//   error shape -> Redis gate (503 at once while Redis is away) -> the front (the dashboard: headers, pages, sign-in) -> JSON bodies
//   -> /healthz and the hook endpoint (own auth)
//   -> /api/v1 behind the bearer token or session (principal, audit, scope check)
//   -> one route file per namespace.
// Each route is a thin adapter over an operation in src/ops.
import Koa from 'koa';
import Router from '@koa/router';
import type { OpsDeps } from '../ops/deps.js';
import { authorize, requireAuth } from './auth.js';
import { auditRequests } from './audit.js';
import { errorMiddleware } from './errors.js';
import { jsonBody } from './json-body.js';
import { cookieOriginFirst } from './origin.js';
import { SESSION_COOKIE } from '../ops/auth/session.js';
import { openApiDocument } from './openapi.js';
import { redisGate } from './redis-gate.js';
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
import { statusRoutes } from './routes/status.js';
import { workersRoutes } from './routes/workers.js';
import { serviceBackupsRoutes } from './routes/service-backups.js';
import { servicesRoutes } from './routes/services.js';
import { notFound } from '../shared/errors.js';

export interface ApiDeps extends OpsDeps {
  readonly hookSecret: string;
  readonly adminToken: string;
}

/** Namespaces add their routes here, in this order. */
export type RouteRegistrar = (router: Router, deps: OpsDeps) => void;
export const API_ROUTES: readonly RouteRegistrar[] = [appsRoutes, configRoutes, releasesRoutes, psRoutes, logsRoutes, domainsRoutes, certsRoutes, metricsRoutes, statusRoutes, accessRoutes, eventsRoutes, secretsRoutes, workersRoutes, servicesRoutes, serviceBackupsRoutes];

/** What is served next to the API on the same origin (the dashboard). */
export interface ApiFront {
  readonly middleware: Koa.Middleware;
  /** Routes outside the token check (sign-in). */
  open(router: Router): void;
}

export function createApi(deps: ApiDeps, extra: readonly RouteRegistrar[] = [], front?: ApiFront): Koa {
  const app = new Koa();
  // A client leaving an event stream (a closed tab, `logs -t` stopped) is not an error.
  app.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') console.error(err); });
  app.use(errorMiddleware);
  app.use(redisGate(deps.redis));
  if (front) app.use(front.middleware);
  app.use(cookieOriginFirst(SESSION_COOKIE, deps.config.dashboard.trustProxy));
  app.use(jsonBody);

  const open = new Router();
  front?.open(open);
  healthzRoutes(open, deps);
  receiveRoutes(open, deps);
  prometheusRoutes(open, deps);
  open.get('/api/v1/openapi.json', (ctx) => { ctx.body = openApiDocument(); });
  app.use(open.routes());

  const api = new Router({ prefix: '/api/v1' });
  api.use(requireAuth(deps), auditRequests('/api/v1', deps), authorize('/api/v1'));
  for (const register of [...API_ROUTES, ...extra]) register(api, deps);
  app.use(api.routes());
  app.use(api.allowedMethods({ throw: false }));
  app.use((ctx) => {
    if (ctx.status === 404 && !ctx.body) throw notFound('not_found', `no route ${ctx.method} ${ctx.path}`, 'see /api/v1/openapi.json');
  });
  return app;
}
