// The API's audit middleware, on every guarded route (api-router.ts): every
// request that can change state (any method but GET/HEAD) is recorded once,
// allowed or not, with names only: config keys but never their values, token
// names but never secrets. Refusals go to a stream of their own (store/events.ts).
import type { Context, Next } from 'koa';
import { auditRecord } from '../ops/audit/record.js';
import type { AuthDeps } from '../ops/auth/check-token.js';
import { asBerthError } from '../shared/errors.js';
import { principalOf, sourceOf } from './auth.js';

type Detail = (ctx: Context) => string | undefined;
const body = (ctx: Context) => (ctx.request.body ?? {}) as Record<string, unknown>;
const keysOf = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v).join(',') : undefined);
const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
const result = (ctx: Context) => (ctx.body ?? {}) as Record<string, unknown>;

// [method, path pattern, action, detail]; the first match names the request.
const ACTIONS: readonly [string, RegExp, string, Detail?][] = [
  ['POST', /^\/apps$/, 'apps:create', (c) => str(body(c).name)],
  ['DELETE', /^\/apps\/[^/]+$/, 'apps:destroy', (c) => (c.query['purge-storage'] === 'true' || c.query['purge-storage'] === '1' ? '--purge-storage' : undefined)],
  ['PUT', /^\/apps\/[^/]+\/config$/, 'config:set', (c) => keysOf(body(c).vars)],
  ['DELETE', /^\/apps\/[^/]+\/config$/, 'config:unset', (c) => str(c.query.keys)],
  ['PUT', /^\/apps\/[^/]+\/formation$/, 'ps:scale', (c) => JSON.stringify(body(c).formation ?? {})],
  ['POST', /^\/apps\/[^/]+\/ps\/(restart|stop|start)$/, 'ps:'],
  ['PUT', /^\/apps\/[^/]+\/resources$/, 'resource:limit', (c) => str(body(c).processType)],
  ['POST', /^\/apps\/[^/]+\/rollback$/, 'releases:rollback', (c) => str(body(c).version)],
  ['POST', /^\/apps\/[^/]+\/run$/, 'run'],
  ['DELETE', /^\/apps\/[^/]+\/builds\/cache$/, 'builds:cache-clear'],
  ['POST', /^\/apps\/[^/]+\/domains$/, 'domains:add', (c) => str(body(c).hostname)],
  ['DELETE', /^\/apps\/[^/]+\/domains\/[^/]+$/, 'domains:remove', (c) => str(c.params?.hostname) ?? c.path.split('/').pop()],
  ['POST', /^\/apps\/[^/]+\/certs\/auto$/, 'certs:auto'],
  ['DELETE', /^\/apps\/[^/]+\/certs\/auto$/, 'certs:auto-disable'],
  ['PUT', /^\/apps\/[^/]+\/certs\/redirect$/, 'certs:redirect', (c) => str(body(c).enabled)],
  ['PUT', /^\/apps\/[^/]+\/certs$/, 'certs:add'],
  ['DELETE', /^\/apps\/[^/]+\/certs\/[^/]+$/, 'certs:remove'],
  ['POST', /^\/apps\/[^/]+\/storage$/, 'storage:mount', (c) => `${str(body(c).mount)}${body(c).stopFirst === true ? ' --stop-first' : ''}`],
  ['DELETE', /^\/apps\/[^/]+\/storage$/, 'storage:unmount', (c) => str(c.query.mount)],
  ['PUT', /^\/apps\/[^/]+\/storage\/strategy$/, 'storage:strategy', (c) => str(body(c).strategy)],
  ['POST', /^\/storage\/directories$/, 'storage:ensure-directory', (c) => str(body(c).name)],
  ['POST', /^\/tokens$/, 'tokens:create', (c) => `${str(body(c).name)} ${str(body(c).scope) ?? ''}`.trim()],
  ['DELETE', /^\/tokens\/[^/]+$/, 'tokens:revoke', (c) => decodeURIComponent(c.path.split('/').pop() ?? '')],
  ['POST', /^\/users$/, 'users:add', (c) => `${str(body(c).name)} ${str(body(c).role) ?? 'deploy'}`],
  ['DELETE', /^\/users\/[^/]+$/, 'users:remove', (c) => c.path.split('/').pop()],
  ['POST', /^\/keys$/, 'keys:add', (c) => `${str(body(c).user)} ${str(result(c).fingerprint) ?? ''}`.trim()],
  ['DELETE', /^\/keys\/[^/]+$/, 'keys:remove', (c) => decodeURIComponent(c.path.split('/').pop() ?? '')],
  ['POST', /^\/secrets\/rotate-key$/, 'secrets:rotate-key'],
  ['POST', /^\/sign-in$/, 'auth:sign-in'],
  ['POST', /^\/services$/, 'services:create', (c) => `${str(body(c).kind)} ${str(body(c).name)}`],
  ['DELETE', /^\/services\/([^/]+)\/links\/([^/]+)$/, 'services:unlink', (c) => c.path.split('/').slice(-3).filter((_, i) => i !== 1).join(' ')],
  ['POST', /^\/services\/([^/]+)\/links$/, 'services:link', (c) => `${c.path.split('/').at(-2)} ${str(body(c).app)}`],
  ['POST', /^\/services\/([^/]+)\/promote$/, 'services:promote', (c) => `${c.path.split('/').at(-2)} ${str(body(c).app)}`],
  ['POST', /^\/services\/([^/]+)\/restart$/, 'services:restart', (c) => c.path.split('/').at(-2)],
  ['DELETE', /^\/services\/([^/]+)$/, 'services:destroy', (c) => c.path.split('/').pop()],
  ['POST', /^\/services\/[^/]+\/backups$/, 'services:backup', (c) => c.path.split('/').at(-2)],
  ['PUT', /^\/services\/[^/]+\/backups\/schedule$/, 'services:backups:schedule', (c) => `${c.path.split('/').at(-3)} ${str(body(c).cron)} keep ${str(body(c).keep)}`],
  ['DELETE', /^\/services\/[^/]+\/backups\/schedule$/, 'services:backups:unschedule', (c) => c.path.split('/').at(-3)],
  ['POST', /^\/services\/[^/]+\/restore$/, 'services:restore', (c) => `${c.path.split('/').at(-2)} ${str(body(c).backup)}${body(c).to ? ` to ${str(body(c).to)}` : ''}`],
  ['POST', /^\/services\/[^/]+\/export$/, 'services:export', (c) => c.path.split('/').at(-2)],
  ['PUT', /^\/services\/[^/]+\/import$/, 'services:import', (c) => c.path.split('/').at(-2)],
];

function nameOf(ctx: Context, apiPath: string): { action: string; detail?: string } {
  for (const [method, re, action, detail] of ACTIONS) {
    const m = method === ctx.method ? re.exec(apiPath) : null;
    if (!m) continue;
    let d: string | undefined;
    try { d = detail?.(ctx); } catch { d = undefined; }
    return { action: action.endsWith(':') ? `${action}${m[1]}` : action, detail: d };
  }
  return { action: `${ctx.method} ${apiPath}` };
}

export function auditRequests(prefix: string, deps: AuthDeps) {
  return async (ctx: Context, next: Next) => {
    if (ctx.method === 'GET' || ctx.method === 'HEAD') return next();
    const apiPath = ctx.path.slice(prefix.length) || '/';
    const app = (typeof ctx.params?.app === 'string' ? ctx.params.app : undefined) ?? (apiPath === '/apps' ? str(body(ctx).name) : undefined);
    const base = { user: principalOf(ctx).user, via: (ctx.state.via as string | undefined) ?? 'api', source: sourceOf(ctx), ...(app ? { app } : {}) };
    try {
      await next();
      await auditRecord({ ...base, ...nameOf(ctx, apiPath), result: ctx.status < 400 ? 'ok' : 'failed' }, deps);
    } catch (err) {
      const e = asBerthError(err);
      await auditRecord({ ...base, ...nameOf(ctx, apiPath), result: e.status === 403 ? 'denied' : 'failed', error: e.expose ? e.code : 'internal' }, deps);
      throw err;
    }
  };
}
