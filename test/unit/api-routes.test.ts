// The API's routes as registered: each has a policy that follows the rules
// below and a row in the OpenAPI table (and each row a route); paths that
// are not canonical are refused by one function. The e2e enumeration
// (test/reliability/route-enumeration.test.ts) sends every route for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRoutes, type ApiDeps } from '../../src/api/app.js';
import { ApiRouter } from '../../src/api/api-router.js';
import { OPENAPI_ROWS, openApiPath } from '../../src/api/openapi.js';
import { describePolicy, type Policy } from '../../src/api/policy.js';
import { loadConfig } from '../../src/config/index.js';
import { dashboardFront } from '../../src/dashboard/index.js';
import { nonCanonical } from '../../src/shared/canonical-path.js';

const deps = { config: loadConfig({ BERTH_DATA_DIR: '/nonexistent' }) } as unknown as ApiDeps;
const { all, api } = buildRoutes(deps, [], dashboardFront(deps));

/** What a route under /api/v1 must declare, from its path alone. */
function expected(method: string, path: string): string {
  if (/^\/(tokens|users|keys|secrets)(\/|$)/.test(path)) return 'admin';
  if (/^\/apps\/\{app\}(\/|$)/.test(path)) return method === 'get' ? 'app:read' : 'app:admin';
  if (['/apps', '/events', '/whoami', '/status', '/status/stream'].includes(path) && method === 'get') return 'signed-in';
  if (path === '/sign-in') return 'signed-in';
  return method === 'get' ? 'read' : 'admin';
}

test('every /api/v1 route declares the policy its path calls for', () => {
  assert.ok(api.routes.length > 40);
  for (const r of api.routes) {
    assert.equal(describePolicy(r.policy), expected(r.method, openApiPath(r.path)), `${r.method} ${r.path}`);
  }
});

test('the only public routes are the sign-in, readiness, the hook and the API description', () => {
  const open = all.filter((r) => describePolicy(r.policy) === 'public').map((r) => `${r.method} ${r.path}`).sort();
  assert.deepEqual(open, ['delete /api/v1/session', 'get /api/v1/openapi.json', 'get /api/v1/session', 'get /healthz', 'post /api/v1/session', 'post /internal/v1/receive/:app']);
});

test('the OpenAPI table and the routes match one to one', () => {
  const routes = new Set(api.routes.map((r) => `${r.method} ${openApiPath(r.path)}`));
  const rows = new Set(OPENAPI_ROWS.map(([m, p]) => `${m} ${p}`));
  assert.deepEqual([...routes].filter((r) => !rows.has(r)), [], 'routes without an OpenAPI row');
  assert.deepEqual([...rows].filter((r) => !routes.has(r)), [], 'OpenAPI rows without a route');
});

test('a route cannot be registered without a policy, or twice', () => {
  const r = new ApiRouter(deps);
  assert.throws(() => r.get('/x', undefined as unknown as Policy, () => {}), /has no policy/);
  r.get('/y', 'read', () => {});
  assert.throws(() => r.get('/y', 'admin', () => {}), /registered twice/);
});

test('non-canonical spellings of a path are refused, canonical ones pass', () => {
  for (const bad of ['//api/v1/apps', '/api/v1//apps', '/api/v1/./apps', '/api/v1/apps/..', '/api/v1/%61pps', '/api/v1/apps/%2e%2e',
    '/api/v1/apps/a%7Eb', '/api/v1/apps/x%5fy', '/api/v1/apps\\x', '/api/v1/apps/%zz', '/api/v1/apps/%4', '/api/v1/apps/%00', 'api/v1/apps']) {
    assert.ok(nonCanonical(bad), bad);
  }
  for (const good of ['/', '/api/v1/apps', '/api/v1/apps/my-app/config', '/api/v1/keys/SHA256%3Aab%2Bc%2Fd', '/api/v1/apps/x/domains/a.example.test', '/my-app.git/info/refs']) {
    assert.equal(nonCanonical(good), undefined, good);
  }
});
