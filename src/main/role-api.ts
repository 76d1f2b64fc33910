// The api role: REST API and the git receiver on one port.
import http from 'node:http';
import { createApi } from '../api/app.js';
import { dashboardFront } from '../dashboard/index.js';
import { installHook } from '../git/hooks.js';
import { refreshRepos } from '../git/repos.js';
import { gitHandler } from '../git/receiver.js';
import { adminTokenPath, resolveAdminToken } from './admin-token.js';
import type { Platform } from './platform.js';

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
}

export async function startApiRole(p: Platform): Promise<() => Promise<void>> {
  const { config } = p;
  const adminToken = await resolveAdminToken(config);
  const { secret: hookSecret } = await installHook(config);
  await refreshRepos(config);
  const deps = { ...p, hookSecret, adminToken };
  const api = createApi(deps, [], dashboardFront(deps)).callback();
  const git = gitHandler(deps);
  const server = http.createServer((req, res) => { if (!git(req, res)) void api(req, res); });
  // A push stays open for the whole build: no request timeout.
  server.requestTimeout = 0;
  await listen(server, config.apiPort, config.bindHost);
  const where = config.adminToken ? 'BERTH_ADMIN_TOKEN' : adminTokenPath(config);
  console.log(`berth: API, dashboard and git on ${config.bindHost}:${config.apiPort} (admin token: ${where})`);
  return () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
}
