// Every route of the API port is registered here, with its policy:
//   route matched exactly (case-sensitive, strict)
//   -> public: JSON body -> the handler (it checks what it needs itself)
//   -> else: principal (token or session + CSRF; 401/429) -> per-credential
//      rate limit (429) -> audit (changes and refusals) -> policy (403)
//      -> JSON body (read only once the caller may send it) -> handler
// The guards hang on the route, not on a path prefix, so no spelling of a
// path can reach a handler without them; and `routes` lists every route with
// its policy for the OpenAPI document and the enumeration tests.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { AuthDeps } from '../ops/auth/check-token.js';
import { BerthError } from '../shared/errors.js';
import { addHit, windowLeftMs } from '../store/rate-limit.js';
import { auditRequests } from './audit.js';
import { jsonBody } from './json-body.js';
import { principalOf, requireAuth } from './auth.js';
import { authorize, type Policy } from './policy.js';

export type Method = 'get' | 'post' | 'put' | 'delete';
export type Handler = (ctx: Context) => unknown;

export interface RouteOptions {
  /** The handler reads the request body as a stream itself (an upload): no JSON parsing. */
  readonly rawBody?: boolean;
}

export interface RouteEntry {
  readonly method: Method;
  /** The full path as registered, e.g. /api/v1/apps/:app. */
  readonly path: string;
  readonly policy: Policy;
}

const MINUTE = 60_000;

/** 429 with Retry-After once a credential has made its minute's requests. */
function rateLimit(deps: AuthDeps): Middleware {
  return async (ctx, next) => {
    const { credential } = principalOf(ctx);
    const n = await addHit(deps.redis, 'api', `${credential.kind}:${credential.id}`, MINUTE);
    if (n > deps.config.access.apiRateLimit) {
      const wait = Math.ceil(windowLeftMs(MINUTE) / 1000);
      ctx.set('Retry-After', String(wait));
      throw new BerthError('rate_limited', `${credential.kind} "${credential.name}" made more than ${deps.config.access.apiRateLimit} requests this minute`,
        { hint: `wait ${wait}s, or raise BERTH_API_RATE_LIMIT on the server` });
    }
    await next();
  };
}

export class ApiRouter {
  readonly router: Router;
  readonly routes: RouteEntry[] = [];
  private readonly prefix: string;

  constructor(private readonly deps: AuthDeps, prefix = '') {
    this.prefix = prefix;
    this.router = new Router({ prefix: prefix || undefined, sensitive: true, strict: true });
  }

  get(path: string, policy: Policy, handler: Handler): void { this.add('get', path, policy, handler); }
  post(path: string, policy: Policy, handler: Handler, opts?: RouteOptions): void { this.add('post', path, policy, handler, opts); }
  put(path: string, policy: Policy, handler: Handler, opts?: RouteOptions): void { this.add('put', path, policy, handler, opts); }
  delete(path: string, policy: Policy, handler: Handler): void { this.add('delete', path, policy, handler); }

  private add(method: Method, path: string, policy: Policy, handler: Handler, opts: RouteOptions = {}): void {
    // Deny by default: JavaScript callers could still pass nothing.
    if (policy === undefined || policy === null) throw new Error(`route ${method.toUpperCase()} ${path} has no policy`);
    const full = `${this.prefix}${path}`;
    if (this.routes.some((r) => r.method === method && r.path === full)) throw new Error(`route ${method.toUpperCase()} ${full} is registered twice`);
    const run: Middleware = async (ctx) => { await handler(ctx); };
    const body: Middleware[] = opts.rawBody ? [] : [jsonBody];
    const chain: Middleware[] = typeof policy === 'object'
      ? [...body, run]
      : [requireAuth(this.deps), rateLimit(this.deps), auditRequests(this.prefix, this.deps), authorize(policy), ...body, run];
    this.router[method](path, ...chain);
    this.routes.push({ method, path: full, policy });
  }
}
