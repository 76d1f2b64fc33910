// The OpenAPI document of /api/v1, built from the routes as registered (with
// each one's policy as `x-berth-policy`) and one table of summaries: each row
// is method, path, the CLI command it serves. A route without a row, or a row
// without a route, fails test/unit/api-routes.test.ts.
import type { RouteEntry } from './api-router.js';
import { ERROR_CODES } from '../shared/error-codes.js';
import { describePolicy } from './policy.js';

type Row = readonly [method: string, path: string, command: string, summary: string];

const ROWS: readonly Row[] = [
  ['get', '/apps', 'apps', 'List apps'],
  ['post', '/apps', 'apps:create', 'Create an app ({ name })'],
  ['get', '/apps/{app}', 'apps:info', 'Show an app'],
  ['delete', '/apps/{app}', 'apps:destroy', 'Destroy an app (?confirm=<app>; &purge-storage=true also removes its storage volumes)'],
  ['get', '/apps/{app}/config', 'config', 'List config vars'],
  ['get', '/apps/{app}/config/{key}', 'config:get', 'Get one config var'],
  ['put', '/apps/{app}/config', 'config:set', 'Set config vars ({ vars, restart })'],
  ['delete', '/apps/{app}/config', 'config:unset', 'Unset config vars (?keys=A,B&restart=true|false|1|0)'],
  ['get', '/apps/{app}/releases', 'releases', 'List releases'],
  ['post', '/apps/{app}/rollback', 'rollback', 'Roll back ({ version? })'],
  ['get', '/apps/{app}/ps', 'ps', 'List processes'],
  ['put', '/apps/{app}/formation', 'ps:scale', 'Scale process types ({ formation })'],
  ['post', '/apps/{app}/ps/restart', 'ps:restart', 'Restart processes ({ type? })'],
  ['post', '/apps/{app}/ps/stop', 'ps:stop', 'Stop all processes'],
  ['post', '/apps/{app}/ps/start', 'ps:start', 'Start processes again'],
  ['get', '/apps/{app}/resources', 'resource:report', 'Show resource limits'],
  ['put', '/apps/{app}/resources', 'resource:limit', 'Set resource limits ({ processType, memory, cpus })'],
  ['get', '/apps/{app}/logs', 'logs', 'Runtime logs (?n, ?type; ?tail=1 streams SSE)'],
  ['get', '/apps/{app}/builds', 'builds', 'List builds'],
  ['get', '/apps/{app}/builds/{id}/output', 'builds:output', 'Build log (?follow=1 streams SSE)'],
  ['delete', '/apps/{app}/builds/cache', 'builds:cache-clear', 'Clear the build cache'],
  ['get', '/workers', 'workers', 'Build workers: concurrency, current builds, last seen (up or gone)'],
  ['post', '/apps/{app}/run', 'run', 'One-off process ({ command, detach }); SSE output, then event: exit'],
  ['get', '/apps/{app}/domains', 'domains', 'List custom domains'],
  ['post', '/apps/{app}/domains', 'domains:add', 'Add a custom domain ({ hostname })'],
  ['delete', '/apps/{app}/domains/{hostname}', 'domains:remove', 'Remove a custom domain'],
  ['get', '/apps/{app}/certs', 'certs', 'List certificates, ACME state and the HTTPS redirect'],
  ['put', '/apps/{app}/certs', 'certs:add', 'Add a certificate ({ cert, key } as PEM)'],
  ['delete', '/apps/{app}/certs/{id}', 'certs:remove', 'Remove a certificate'],
  ['post', '/apps/{app}/certs/auto', 'certs:auto', "Let's Encrypt via ACME: order now, renew automatically (202 while pending)"],
  ['delete', '/apps/{app}/certs/auto', 'certs:auto-disable', 'Stop ACME renewals'],
  ['put', '/apps/{app}/certs/redirect', 'certs:redirect', 'HTTP -> HTTPS redirect ({ enabled })'],
  ['get', '/apps/{app}/metrics', 'metrics', 'Router traffic of the app (JSON); Prometheus text at /metrics'],
  ['get', '/status', 'apps:status', 'Every app with its processes and routes, as the apps page shows them'],
  ['get', '/apps/{app}/status', 'apps:status', 'One app with its processes and routes'],
  ['get', '/status/stream', 'apps:status', 'The same as /status over SSE, sent again on every change (?app)'],
  ['get', '/whoami', 'whoami', 'The user and scopes of the token in use'],
  ['post', '/sign-in', 'login', 'Check the token and record the sign-in in the audit log'],
  ['get', '/tokens', 'tokens', 'List tokens, never their secrets (admin)'],
  ['post', '/tokens', 'tokens:create', 'Make a token ({ name, scope, expires?, user? }); the answer holds the secret, once (admin)'],
  ['delete', '/tokens/{token}', 'tokens:revoke', 'Revoke a token by id or name (admin)'],
  ['get', '/users', 'users', 'List users (admin)'],
  ['post', '/users', 'users:add', 'Add a user ({ name, role: admin|deploy, apps }) (admin)'],
  ['delete', '/users/{name}', 'users:remove', 'Remove a user with its tokens and keys (admin)'],
  ['get', '/keys', 'keys', 'List SSH keys (?user) (admin)'],
  ['post', '/keys', 'keys:add', 'Register an SSH public key ({ user, publicKey }) (admin)'],
  ['delete', '/keys/{key}', 'keys:remove', 'Remove an SSH key by fingerprint or comment (admin)'],
  ['get', '/events', 'events', 'The audit log (?app, ?n; ?tail=1 streams SSE)'],
  ['post', '/secrets/rotate-key', 'secrets:rotate-key', 'Re-encrypt every config value under a new key (admin)'],
  ['get', '/apps/{app}/storage', 'storage:list', 'Storage mounts, deploy strategy and the app\'s storage volumes'],
  ['post', '/apps/{app}/storage', 'storage:mount', 'Mount a volume or storage directory ({ mount: "<name-or-dir>:<path>", processes?, stopFirst? }); a new release (admin)'],
  ['delete', '/apps/{app}/storage', 'storage:unmount', 'Remove a mount (?mount=<name-or-dir>:<path>); a new release, the files are kept (admin)'],
  ['put', '/apps/{app}/storage/strategy', 'storage:strategy', 'Deploy strategy ({ strategy: start-first|stop-first }) (admin)'],
  ['post', '/storage/directories', 'storage:ensure-directory', 'Make <storage root>/<name>, owned by the app user ({ name }) (admin)'],
  ['get', '/apps/{app}/cron', 'cron:list', "The live release's app.json cron jobs: next run, running, last runs (?runs=N, up to 100)"],
  ['post', '/apps/{app}/cron/{id}/run', 'cron:run', 'Run a scheduled job now (admin); SSE output, then event: exit ({ code, outcome })'],
  ['get', '/services', 'services', 'List backing services with status and links'],
  ['post', '/services', 'services:create', 'Create a service ({ kind: postgres|redis, name }); answers once it accepts connections (admin)'],
  ['get', '/services/{name}', 'services:info', 'Status, version, size on disk, links, last backup'],
  ['delete', '/services/{name}', 'services:destroy', 'Destroy a service and its data (?confirm=<name>); refused while linked (admin)'],
  ['post', '/services/{name}/links', 'services:link', 'Link to an app ({ app }): sets DATABASE_URL/REDIS_URL or <NAME>_URL in a new release (admin)'],
  ['delete', '/services/{name}/links/{app}', 'services:unlink', 'Unlink from an app: unsets its var in a new release (admin)'],
  ['post', '/services/{name}/promote', 'services:promote', "Make it the app's DATABASE_URL/REDIS_URL ({ app }) (admin)"],
  ['get', '/services/{name}/logs', 'services:logs', 'The service container\'s last lines (?lines, default 100)'],
  ['post', '/services/{name}/restart', 'services:restart', 'Restart; answers once it accepts connections again (admin)'],
  ['get', '/services/{name}/backups', 'services:backups', 'Backups (size, duration, status, check, error) and the schedule with its next run'],
  ['post', '/services/{name}/backups', 'services:backup', 'Back up now ({ keep? }); 201 only once the written backup passed its check, else 500 backup_failed with the reason (admin)'],
  ['put', '/services/{name}/backups/schedule', 'services:backups:schedule', 'Schedule backups ({ cron: five fields, UTC; keep }) (admin)'],
  ['delete', '/services/{name}/backups/schedule', 'services:backups:unschedule', 'Stop scheduled backups (admin)'],
  ['post', '/services/{name}/restore', 'services:restore', 'Restore a good backup ({ backup, to? }: to creates a new service) (admin)'],
  ['post', '/services/{name}/export', 'services:export', 'The service\'s dump (pg_dump -Fc or RDB) as application/octet-stream (admin)'],
  ['put', '/services/{name}/import', 'services:import', 'Restore a dump sent as the application/octet-stream body (admin)'],
];

// Every code an error can carry, from the one table; each with its status
// and default hint under `x-berth-error-codes`.
const errorBody = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string', enum: Object.keys(ERROR_CODES).sort() }, message: { type: 'string' }, hint: { type: 'string' } } } },
};
const errorSchema = { $ref: '#/components/schemas/Error' };

/** The table's rows, for the test that matches them to the routes. */
export const OPENAPI_ROWS = ROWS;

/** `/api/v1/apps/:app` -> `/apps/{app}`. */
export const openApiPath = (registered: string) => registered.replace(/^\/api\/v1/, '').replace(/:(\w+)/g, '{$1}');

export function openApiDocument(routes: readonly RouteEntry[]): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const row = ROWS.find(([m, p]) => m === route.method && p === path);
    const [method, , command, summary] = row ?? [route.method, path, '-', ''];
    const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    (paths[path] ??= {})[method] = {
      operationId: command === '-' ? `${method} ${path}` : command,
      summary: `${summary} — berth ${command}`,
      'x-berth-policy': describePolicy(route.policy),
      parameters: params,
      responses: {
        200: { description: 'OK' },
        400: { description: 'Invalid input', content: { 'application/json': { schema: errorSchema } } },
        401: { description: 'Missing or wrong token', content: { 'application/json': { schema: errorSchema } } },
        403: { description: "The token's scope does not allow this", content: { 'application/json': { schema: errorSchema } } },
        404: { description: 'Unknown app or object', content: { 'application/json': { schema: errorSchema } } },
        429: { description: 'Too many requests from this token, or failed sign-ins from this address (Retry-After)', content: { 'application/json': { schema: errorSchema } } },
        409: { description: 'Conflict (e.g. a deploy in progress)', content: { 'application/json': { schema: errorSchema } } },
        ...(method === 'get' ? {} : {
          413: { description: 'Body larger than 1 MiB', content: { 'application/json': { schema: errorSchema } } },
          415: { description: 'Body not sent as Content-Type: application/json', content: { 'application/json': { schema: errorSchema } } },
        }),
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Berth API', version: '1' },
    servers: [{ url: '/api/v1' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { Error: errorBody } },
    'x-berth-error-codes': ERROR_CODES,
    security: [{ bearer: [] }],
    paths,
  };
}
