// users, users:add, users:remove. A user has a role: admin, or deploy on
// named apps. Every token and SSH key belongs to one; removing a user
// removes what it owns, so its credentials stop working at once.
import { parseUserName, type Principal, type UserRole } from '../../shared/access.js';
import { parseAppName } from '../../shared/app-name.js';
import { fail } from '../../shared/errors.js';
import { deleteUser, getUser, listUsers, putUser, type UserRecord } from '../../store/access.js';
import type { AuthDeps } from '../auth/check-token.js';

export interface UsersAddInput { readonly name: unknown; readonly role?: unknown; readonly apps?: unknown }

function parseApps(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [];
  return [...new Set(list.map((a) => parseAppName(typeof a === 'string' ? a.trim() : a)))].sort();
}

export async function usersAdd(input: UsersAddInput, deps: AuthDeps): Promise<UserRecord> {
  const name = parseUserName(input.name);
  const role = (input.role ?? 'deploy') as UserRole;
  if (role !== 'admin' && role !== 'deploy') throw fail('invalid_role', `invalid role ${JSON.stringify(input.role)}: use admin or deploy`);
  const apps = role === 'deploy' ? parseApps(input.apps) : [];
  if (role === 'deploy' && apps.length === 0) {
    throw fail('missing_apps', 'a deploy user needs the apps it may deploy', `for example: berth users:add ${name} --role deploy --apps my-app`);
  }
  if (await getUser(deps.redis, name)) throw fail('user_exists', `user "${name}" already exists`, `remove it first with berth users:remove ${name}`);
  const user: UserRecord = { name, role, apps, createdAt: Date.now() };
  await putUser(deps.redis, user);
  return user;
}

export async function usersList(deps: AuthDeps): Promise<UserRecord[]> {
  return listUsers(deps.redis);
}

export async function requireUser(raw: unknown, deps: AuthDeps): Promise<UserRecord> {
  const name = parseUserName(raw);
  const user = await getUser(deps.redis, name);
  if (!user) throw fail('user_not_found', `user "${name}" does not exist`, `see berth users, or add it with berth users:add ${name}`);
  return user;
}

export async function usersRemove(input: { name: unknown }, principal: Principal, deps: AuthDeps): Promise<{ removed: string }> {
  const user = await requireUser(input.name, deps);
  if (user.name === principal.user) throw fail('remove_self', 'you cannot remove the user you are signed in as', 'sign in as another admin first');
  await deleteUser(deps.redis, user.name);
  return { removed: user.name };
}
