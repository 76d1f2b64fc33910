// node-postgres: counts visits in a Postgres table through DATABASE_URL
// (set by `berth services:link <db> <app>`).
//   GET /       records a visit and answers "visits: N"
//   GET /count  answers the count without recording one
//   GET /db     the server's version, to show which database answers
const http = require('node:http');
const { Pool } = require('pg');

const url = process.env.DATABASE_URL;
const pool = url ? new Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000, query_timeout: 10000 }) : undefined;
let ready;

function schema() {
  ready ??= pool.query('CREATE TABLE IF NOT EXISTS visits (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())')
    .catch((err) => { ready = undefined; throw err; });
  return ready;
}

async function answer(path) {
  if (!pool) return [503, 'DATABASE_URL is not set: link a postgres service (berth services:link <db> <app>)\n'];
  await schema();
  if (path === '/db') return [200, `${(await pool.query('SHOW server_version')).rows[0].server_version}\n`];
  if (path === '/') await pool.query('INSERT INTO visits DEFAULT VALUES');
  if (path !== '/' && path !== '/count') return [404, 'not found\n'];
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM visits');
  return [200, `visits: ${rows[0].n}\n`];
}

http.createServer((req, res) => {
  answer(new URL(req.url, 'http://x').pathname)
    .then(([status, body]) => { res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }); res.end(body); })
    .catch((err) => { res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }); res.end(`database error: ${err.message}\n`); });
}).listen(Number(process.env.PORT || 5000), () => {
  console.log(`node-postgres listening on ${process.env.PORT || 5000}${url ? '' : ' (no DATABASE_URL yet)'}`);
});
