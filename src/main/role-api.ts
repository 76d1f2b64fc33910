// The api role: REST API and the git receiver on one port, and the SSH
// git remote on its own port.
import http from 'node:http';
import { createApi } from '../api/app.js';
import { withBodyDeadline } from '../api/body-deadline.js';
import { dashboardFront } from '../dashboard/index.js';
import { installHook } from '../git/hooks.js';
import { clearIncoming, makeTemplateRepo, refreshRepos } from '../git/repos.js';
import { gitHandler } from '../git/receiver.js';
import { startSshServer } from '../git/ssh-server.js';
import { bootstrapAccess } from '../ops/access/bootstrap.js';
import { secretsMigrate } from '../ops/secrets/rotate-key.js';
import { adminTokenPath, resolveAdminToken } from './admin-token.js';
import type { Platform } from './platform.js';
import { requestRedis } from '../store/redis-health.js';

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
  // First pushes cut off by a dead server left incoming repos behind.
  await clearIncoming(config);
  await makeTemplateRepo(config);
  // Requests read Redis through a fail-fast client: 503 at once while it is away.
  const redis = await requestRedis(p.redis, config.redisRequests);
  const deps = { ...p, redis, hookSecret, adminToken };
  await bootstrapAccess(adminToken, deps);
  const sealed = await secretsMigrate(deps);
  if (sealed > 0) console.log(`berth: encrypted ${sealed} config value(s) stored in clear by an older Berth (TLS private keys included)`);
  const api = createApi(deps, [], dashboardFront(deps)).callback();
  const git = gitHandler(deps);
  const apiWithDeadline = withBodyDeadline((req, res) => void api(req, res), config.apiBodyTimeoutMs);
  const server = http.createServer({ connectionsCheckingInterval: 1000 }, (req, res) => { if (!git(req, res)) apiWithDeadline(req, res); });
  // A push stays open for the whole build: no request timeout. Heads and
  // bodies have deadlines of their own (headersTimeout, withBodyDeadline, src/git/).
  server.requestTimeout = 0;
  server.headersTimeout = config.apiHeadersTimeoutMs;
  // SSH first: once /healthz answers, its host key exists (install.sh prints it).
  const ssh = config.access.sshPort === undefined ? undefined : await startSshServer(deps, config.access.sshPort);
  await listen(server, config.apiPort, config.bindHost);
  const where = config.adminToken ? 'BERTH_ADMIN_TOKEN' : adminTokenPath(config);
  console.log(`berth: API, dashboard and git on ${config.bindHost}:${config.apiPort} (admin token: ${where})`);
  if (ssh) console.log(`berth: git over SSH on ${config.bindHost}:${ssh.port} (host key ${ssh.fingerprint})`);
  return async () => {
    await Promise.all([
      new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
      ssh?.close(),
    ]);
    await redis.close();
  };
}
