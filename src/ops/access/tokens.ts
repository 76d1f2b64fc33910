// tokens, tokens:create, tokens:revoke. The secret is made here, shown
// once in the answer, and only its SHA-256 is stored.
import { randomBytes } from 'node:crypto';
import { formatScope, intersectScopes, parseDuration, parseScope, roleScopes, type Principal, type Scope } from '../../shared/access.js';
import type { AppName } from '../../shared/app-name.js';
import { fail } from '../../shared/errors.js';
import { getToken, listTokens, putToken, type TokenRecord } from '../../store/access.js';
import { hashToken, type AuthDeps } from '../auth/check-token.js';
import { requireUser } from './users.js';

export interface TokenView extends Omit<TokenRecord, 'hash'> { readonly status: 'active' | 'expired' | 'revoked' }

export interface TokensCreateInput { readonly name: unknown; readonly scope: unknown; readonly expires?: unknown; readonly user?: unknown }

const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function tokenView(t: TokenRecord, now = Date.now()): TokenView {
  const { hash: _hash, ...rest } = t;
  const status = t.revokedAt ? 'revoked' : t.expiresAt !== undefined && t.expiresAt <= now ? 'expired' : 'active';
  return { ...rest, status };
}

function parseScopes(raw: unknown): Scope[] {
  // "deploy:a,b" is one scope; several scopes are separated by spaces.
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.trim().split(/\s+/) : [];
  if (list.length === 0) throw fail('invalid_scope', 'a token needs a scope: admin, read or deploy:<app>[,<app>...]', 'for example: --scope deploy:my-app');
  return list.map(parseScope);
}

const sameScopes = (a: readonly Scope[], b: readonly Scope[]) => a.map(formatScope).join(' ') === b.map(formatScope).join(' ');

export async function tokensCreate(input: TokensCreateInput, principal: Principal, deps: AuthDeps): Promise<TokenView & { token: string }> {
  if (typeof input.name !== 'string' || !TOKEN_NAME.test(input.name)) {
    throw fail('invalid_token_name', `invalid token name ${JSON.stringify(input.name)}: use up to 64 letters, digits, '.', '_' and '-'`, 'for example: --name ci');
  }
  const user = await requireUser(input.user ?? principal.user, deps);
  const scopes = parseScopes(input.scope);
  if (!sameScopes(intersectScopes(scopes, roleScopes(user.role, user.apps as AppName[])), scopes)) {
    throw fail('scope_exceeds_role', `user "${user.name}" (${user.role}${user.apps.length ? ` on ${user.apps.join(',')}` : ''}) cannot hold a token with scope ${scopes.map(formatScope).join(' ')}`);
  }
  const active = (await listTokens(deps.redis)).filter((t) => tokenView(t).status === 'active');
  if (active.some((t) => t.name === input.name)) throw fail('token_exists', `an active token is already named "${input.name}"`, `revoke it first with berth tokens:revoke ${input.name}, or pick another name`);
  const secret = `berth_${randomBytes(24).toString('base64url')}`;
  const now = Date.now();
  const record: TokenRecord = {
    id: `tok_${randomBytes(5).toString('hex')}`, name: input.name, user: user.name, scopes: scopes.map(formatScope),
    hash: hashToken(secret), createdAt: now,
    ...(input.expires === undefined || input.expires === '' ? {} : { expiresAt: now + parseDuration(input.expires) }),
  };
  await putToken(deps.redis, record);
  return { ...tokenView(record), token: secret };
}

export async function tokensList(deps: AuthDeps): Promise<TokenView[]> {
  const now = Date.now();
  return (await listTokens(deps.redis)).map((t) => tokenView(t, now));
}

/** By id, else by the name of an active token. */
export async function tokensRevoke(input: { token: unknown }, deps: AuthDeps): Promise<TokenView> {
  const ref = typeof input.token === 'string' ? input.token : '';
  const byId = ref ? await getToken(deps.redis, ref) : undefined;
  const found = byId ?? (await listTokens(deps.redis)).find((t) => t.name === ref && !t.revokedAt);
  if (!found) throw fail('token_not_found', `no token with id or name ${JSON.stringify(ref)}`, 'see berth tokens');
  if (!found.revokedAt) {
    found.revokedAt = Date.now();
    await putToken(deps.redis, found);
  }
  return tokenView(found);
}
