// Who may do what. A token or SSH key resolves to a Principal: a user and
// the scopes the credential grants. Scopes are Heroku-like and few:
//   admin            everything
//   read             every GET, nothing else
//   deploy:<a>,<b>   push to and read the named apps only
import { parseAppName, type AppName } from './app-name.js';
import { BerthError, fail } from './errors.js';

export type Scope =
  | { readonly kind: 'admin' }
  | { readonly kind: 'read' }
  | { readonly kind: 'deploy'; readonly apps: readonly AppName[] };

export type UserRole = 'admin' | 'deploy';

export interface Principal {
  readonly user: string;
  readonly scopes: readonly Scope[];
  /** What proved it: a token id, or an SSH key's fingerprint. */
  readonly credential: { readonly kind: 'token' | 'key'; readonly id: string; readonly name: string };
}

export type Action = 'read' | 'push' | 'admin';

export const USER_NAME_PATTERN = /^[a-z][a-z0-9._-]{0,31}$/;

export function parseUserName(raw: unknown): string {
  if (typeof raw !== 'string' || !USER_NAME_PATTERN.test(raw)) {
    throw fail('invalid_user_name', `invalid user name ${JSON.stringify(raw)}: use 1-32 lowercase letters, digits, '.', '_' and '-', starting with a letter`,
      'for example: berth users:add alice');
  }
  return raw;
}

/** "admin" | "read" | "deploy:a,b" -> Scope. */
export function parseScope(raw: unknown): Scope {
  if (raw === 'admin') return { kind: 'admin' };
  if (raw === 'read') return { kind: 'read' };
  if (typeof raw === 'string' && raw.startsWith('deploy:')) {
    const names = raw.slice('deploy:'.length).split(',').map((s) => s.trim()).filter(Boolean);
    if (names.length > 0) return { kind: 'deploy', apps: [...new Set(names.map(parseAppName))].sort() };
  }
  throw fail('invalid_scope', `invalid scope ${JSON.stringify(raw)}: use admin, read or deploy:<app>[,<app>...]`,
    'for example: --scope deploy:my-app');
}

export const formatScope = (s: Scope) => (s.kind === 'deploy' ? `deploy:${s.apps.join(',')}` : s.kind);

/** The scopes a user's role allows at most. */
export function roleScopes(role: UserRole, apps: readonly AppName[]): Scope[] {
  return role === 'admin' ? [{ kind: 'admin' }] : [{ kind: 'deploy', apps }];
}

/** True if `scopes` allow `action` (on `app`, or on the whole install when unset). */
export function allows(scopes: readonly Scope[], action: Action, app?: AppName): boolean {
  return scopes.some((s) => {
    if (s.kind === 'admin') return true;
    if (s.kind === 'read') return action === 'read';
    return app !== undefined && s.apps.includes(app) && (action === 'read' || action === 'push');
  });
}

/** Apps a principal may read: 'all', or the named ones. */
export function readableApps(scopes: readonly Scope[]): 'all' | ReadonlySet<AppName> {
  if (scopes.some((s) => s.kind !== 'deploy')) return 'all';
  return new Set(scopes.flatMap((s) => (s.kind === 'deploy' ? s.apps : [])));
}

/** Keeps only what both allow: a token never outgrows its user's role. */
export function intersectScopes(granted: readonly Scope[], role: readonly Scope[]): Scope[] {
  if (role.some((s) => s.kind === 'admin')) return [...granted];
  const roleApps = new Set(role.flatMap((s) => (s.kind === 'deploy' ? s.apps : [])));
  return granted.flatMap((s): Scope[] => {
    const apps = s.kind === 'deploy' ? s.apps.filter((a) => roleApps.has(a)) : [];
    return apps.length ? [{ kind: 'deploy', apps }] : [];
  });
}

export function forbidden(principal: Principal, action: Action, app?: AppName): BerthError {
  const what = action === 'admin' ? 'this needs an admin token' : `${principal.credential.kind} "${principal.credential.name}" may not ${action} ${app ? `app "${app}"` : 'here'}`;
  return new BerthError('forbidden', `${what} (its scope: ${principal.scopes.map(formatScope).join(' ') || 'none'})`,
    { hint: principal.credential.kind === 'key'
      ? `an SSH key acts with its user's role: ask an admin to give user "${principal.user}" that right (see berth users)`
      : 'ask an admin for a token with the right scope: berth tokens:create --scope ...' });
}

/** "30d", "12h", "90m", "2w" (and "30s", for tests and short CI jobs) -> milliseconds. */
export function parseDuration(raw: unknown): number {
  const m = typeof raw === 'string' ? /^(\d{1,6})([smhdw])$/.exec(raw.trim()) : null;
  if (!m || Number(m[1]) === 0) {
    throw fail('invalid_expiry', `invalid expiry ${JSON.stringify(raw)}: use a number and s, m, h, d or w`, 'for example: --expires 30d');
  }
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}
