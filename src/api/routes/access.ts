// whoami, sign-in, tokens (GET/POST/DELETE), users, keys: users, tokens
// and keys are admin only, even to read.
import type { ApiRouter } from '../api-router.js';
import { keysAdd, keysList, keysRemove } from '../../ops/access/keys.js';
import { tokensCreate, tokensList, tokensRevoke } from '../../ops/access/tokens.js';
import { usersAdd, usersList, usersRemove } from '../../ops/access/users.js';
import type { OpsDeps } from '../../ops/deps.js';
import { formatScope } from '../../shared/access.js';
import { principalOf } from '../auth.js';
import { bodyFields } from '../body-fields.js';


export function accessRoutes(router: ApiRouter, deps: OpsDeps): void {
  router.get('/whoami', 'signed-in', (ctx) => {
    const p = principalOf(ctx);
    ctx.body = { user: p.user, scopes: p.scopes.map(formatScope), credential: p.credential };
  });
  // berth login (and the dashboard) sign in here, so each sign-in is audited.
  router.post('/sign-in', 'signed-in', (ctx) => {
    bodyFields(ctx, []);
    const p = principalOf(ctx);
    ctx.body = { user: p.user, scopes: p.scopes.map(formatScope), credential: p.credential };
  });

  router.get('/tokens', 'admin', async (ctx) => { ctx.body = { tokens: await tokensList(deps) }; });
  router.post('/tokens', 'admin', async (ctx) => {
    const b = bodyFields(ctx, ['name', 'scope', 'expires', 'user']);
    ctx.status = 201;
    ctx.body = await tokensCreate({ name: b.name, scope: b.scope, expires: b.expires, user: b.user }, principalOf(ctx), deps);
  });
  router.delete('/tokens/:token', 'admin', async (ctx) => { bodyFields(ctx, []); ctx.body = await tokensRevoke({ token: ctx.params.token }, deps); });

  router.get('/users', 'admin', async (ctx) => { ctx.body = { users: await usersList(deps) }; });
  router.post('/users', 'admin', async (ctx) => {
    const b = bodyFields(ctx, ['name', 'role', 'apps']);
    ctx.status = 201;
    ctx.body = await usersAdd({ name: b.name, role: b.role, apps: b.apps }, deps);
  });
  router.delete('/users/:name', 'admin', async (ctx) => { bodyFields(ctx, []); ctx.body = await usersRemove({ name: ctx.params.name }, principalOf(ctx), deps); });

  router.get('/keys', 'admin', async (ctx) => { ctx.body = { keys: await keysList({ user: ctx.query.user }, deps) }; });
  router.post('/keys', 'admin', async (ctx) => {
    const b = bodyFields(ctx, ['user', 'publicKey']);
    ctx.status = 201;
    ctx.body = await keysAdd({ user: b.user, publicKey: b.publicKey }, deps);
  });
  router.delete('/keys/:key', 'admin', async (ctx) => { bodyFields(ctx, []); ctx.body = await keysRemove({ key: ctx.params.key }, deps); });
}
