// Who may call a route, declared where the route is registered (api-router.ts).
// There is no default: a route without a policy cannot be registered, and
// a request is checked against the policy of the route it matched, never
// against a prefix of its path (a prefix match once let `/API/V1/...` past
// every guard while the routes themselves matched it).
import type { Context, Next } from 'koa';
import { allows, forbidden, type Action } from '../shared/access.js';
import { parseAppName, type AppName } from '../shared/app-name.js';
import { principalOf } from './auth.js';

export type Policy =
  /** No credential. The string says why that is safe; the route checks whatever it needs itself. */
  | { readonly public: string }
  /** Any signed-in principal; the answer is filtered by its scopes. */
  | 'signed-in'
  /** Read on the whole install (GET listings that are not per app). */
  | 'read'
  /** Admin: users, tokens, keys, secrets, and every change outside one app. */
  | 'admin'
  /** Read on the route's `:app`. */
  | 'app:read'
  /** Change the route's `:app`: admin (a deploy scope pushes over git only). */
  | 'app:admin';

export type GuardedPolicy = Exclude<Policy, { readonly public: string }>;

export const isPublic = (p: Policy): p is { readonly public: string } => typeof p === 'object';

export function describePolicy(p: Policy): string {
  return typeof p === 'object' ? 'public' : p;
}

/** The action and app a policy needs for this request, or 'any'. */
export function needOf(policy: GuardedPolicy, ctx: Context): { action: Action; app?: AppName } | 'any' {
  switch (policy) {
    case 'signed-in': return 'any';
    case 'read': return { action: 'read' };
    case 'admin': return { action: 'admin' };
    case 'app:read': return { action: 'read', app: parseAppName(ctx.params.app) };
    case 'app:admin': return { action: 'admin', app: parseAppName(ctx.params.app) };
  }
}

/** 403 unless the principal's scopes allow what the policy needs. */
export function authorize(policy: GuardedPolicy) {
  return async (ctx: Context, next: Next) => {
    const need = needOf(policy, ctx);
    const principal = principalOf(ctx);
    if (need !== 'any' && !allows(principal.scopes, need.action, need.app)) throw forbidden(principal, need.action, need.app);
    await next();
  };
}
