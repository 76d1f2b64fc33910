// The API's koa application:
//   error shape -> one canonical spelling of the path (400) -> Redis gate
//   (503 at once while Redis is away) -> the front (the dashboard: headers,
//   pages) -> routes, each with the policy it was registered
//   with (api-router.ts): public ones (/healthz, the hook, sign-in) and
//   /api/v1, one route file per namespace.
// Each route is a thin adapter over an operation in src/ops.
import Koa from 'koa';
import type { OpsDeps } from '../ops/deps.js';
import { ApiRouter, type RouteEntry } from './api-router.js';
import { canonicalPath } from './canonical-path.js';
import { errorMiddleware } from './errors.js';
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
import { storageRoutes } from './routes/storage.js';
import { cronRoutes } from './routes/cron.js';
import { fail } from '../shared/errors.js';

export interface ApiDeps extends OpsDeps {
  readonly hookSecret: string;
  readonly adminToken: string;
}

/** Namespaces add their routes here, in this order. */
export type RouteRegistrar = (router: ApiRouter, deps: OpsDeps) => void;
export const API_ROUTES: readonly RouteRegistrar[] = [appsRoutes, configRoutes, releasesRoutes, psRoutes, logsRoutes, domainsRoutes, certsRoutes, metricsRoutes, statusRoutes, accessRoutes, eventsRoutes, secretsRoutes, workersRoutes, storageRoutes, cronRoutes, servicesRoutes, serviceBackupsRoutes];

/** What is served next to the API on the same origin (the dashboard). */
export interface ApiFront {
  readonly middleware: Koa.Middleware;
  /** Its own routes beside the API's (sign-in), each with its policy. */
  open(router: ApiRouter): void;
}

/** Registers every route of the API port, each with its policy (no request is served here). */
export function buildRoutes(deps: ApiDeps, extra: readonly RouteRegistrar[] = [], front?: ApiFront): { open: ApiRouter; api: ApiRouter; all: readonly RouteEntry[] } {
  const open = new ApiRouter(deps);
  front?.open(open);
  healthzRoutes(open, deps);
  receiveRoutes(open, deps);
  prometheusRoutes(open, deps);
  const api = new ApiRouter(deps, '/api/v1');
  for (const register of [...API_ROUTES, ...extra]) register(api, deps);
  open.get('/api/v1/openapi.json', { public: 'the API description: no data' }, (ctx) => { ctx.body = openApiDocument(api.routes); });
  return { open, api, all: [...open.routes, ...api.routes] };
}

export function createApi(deps: ApiDeps, extra: readonly RouteRegistrar[] = [], front?: ApiFront): Koa {
  const app = new Koa();
  // A client leaving an event stream (a closed tab, `logs -t` stopped) is not an error.
  app.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') console.error(err); });
  app.use(errorMiddleware);
  app.use(canonicalPath);
  app.use(redisGate(deps.redis));
  if (front) app.use(front.middleware);
  app.use(cookieOriginFirst(SESSION_COOKIE, deps.config.dashboard.trustProxy));

  const { open, api } = buildRoutes(deps, extra, front);
  app.use(open.router.routes());
  app.use(open.router.allowedMethods({ throw: false }));
  app.use(api.router.routes());
  app.use(api.router.allowedMethods({ throw: false }));
  app.use((ctx) => {
    if (ctx.status === 404 && !ctx.body) throw fail('not_found', `no route ${ctx.method} ${ctx.path}`, 'see /api/v1/openapi.json');
  });
  return app;
}
