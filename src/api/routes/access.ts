// whoami, sign-in, tokens (GET/POST/DELETE), users, keys — the admin-only
// ones are guarded by authorize() in auth.ts.
import type Router from '@koa/router';
import { keysAdd, keysList, keysRemove } from '../../ops/access/keys.js';
import { tokensCreate, tokensList, tokensRevoke } from '../../ops/access/tokens.js';
import { usersAdd, usersList, usersRemove } from '../../ops/access/users.js';
import type { OpsDeps } from '../../ops/deps.js';
import { formatScope } from '../../shared/access.js';
import { principalOf } from '../auth.js';
import { bodyFields } from '../body-fields.js';


export function accessRoutes(router: Router, deps: OpsDeps): void {
  router.get('/whoami', (ctx) => {
    const p = principalOf(ctx);
    ctx.body = { user: p.user, scopes: p.scopes.map(formatScope), credential: p.credential };
  });
  // berth login (and the dashboard) sign in here, so each sign-in is audited.
  router.post('/sign-in', (ctx) => {
    bodyFields(ctx, []);
    const p = principalOf(ctx);
    ctx.body = { user: p.user, scopes: p.scopes.map(formatScope), credential: p.credential };
  });

  router.get('/tokens', async (ctx) => { ctx.body = { tokens: await tokensList(deps) }; });
  router.post('/tokens', async (ctx) => {
    const b = bodyFields(ctx, ['name', 'scope', 'expires', 'user']);
    ctx.status = 201;
    ctx.body = await tokensCreate({ name: b.name, scope: b.scope, expires: b.expires, user: b.user }, principalOf(ctx), deps);
  });
  router.delete('/tokens/:token', async (ctx) => { bodyFields(ctx, []); ctx.body = await tokensRevoke({ token: ctx.params.token }, deps); });

  router.get('/users', async (ctx) => { ctx.body = { users: await usersList(deps) }; });
  router.post('/users', async (ctx) => {
    const b = bodyFields(ctx, ['name', 'role', 'apps']);
    ctx.status = 201;
    ctx.body = await usersAdd({ name: b.name, role: b.role, apps: b.apps }, deps);
  });
  router.delete('/users/:name', async (ctx) => { bodyFields(ctx, []); ctx.body = await usersRemove({ name: ctx.params.name }, principalOf(ctx), deps); });

  router.get('/keys', async (ctx) => { ctx.body = { keys: await keysList({ user: ctx.query.user }, deps) }; });
  router.post('/keys', async (ctx) => {
    const b = bodyFields(ctx, ['user', 'publicKey']);
    ctx.status = 201;
    ctx.body = await keysAdd({ user: b.user, publicKey: b.publicKey }, deps);
  });
  router.delete('/keys/:key', async (ctx) => { bodyFields(ctx, []); ctx.body = await keysRemove({ key: ctx.params.key }, deps); });
}
