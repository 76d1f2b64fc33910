// At start: the install's admin token becomes token "install" of user
// "admin", so it keeps working as the first admin token. A new
// BERTH_ADMIN_TOKEN (or a deleted admin-token file) replaces it; a token
// an admin revoked stays revoked across restarts.
import { getToken, getUser, putToken, putUser } from '../../store/access.js';
import { hashToken, type AuthDeps } from '../auth/check-token.js';

export const INSTALL_TOKEN_ID = 'install';
export const INSTALL_USER = 'admin';

export async function bootstrapAccess(adminToken: string, deps: AuthDeps): Promise<void> {
  if (!(await getUser(deps.redis, INSTALL_USER))) {
    await putUser(deps.redis, { name: INSTALL_USER, role: 'admin', apps: [], createdAt: Date.now() });
  }
  const hash = hashToken(adminToken);
  const current = await getToken(deps.redis, INSTALL_TOKEN_ID);
  if (current?.hash === hash) {
    if (current.revokedAt) console.error(' !     the install admin token was revoked; set a new BERTH_ADMIN_TOKEN (or delete the admin-token file) and restart to make a new one');
    return;
  }
  if (current && !current.revokedAt) await putToken(deps.redis, { ...current, revokedAt: Date.now() });
  await putToken(deps.redis, { id: INSTALL_TOKEN_ID, name: 'install', user: INSTALL_USER, scopes: ['admin'], hash, createdAt: Date.now() });
}
