// app.json health checks (Dokku's format): HTTP GETs against a new process,
// each retried, all of which must pass before it takes traffic. Without
// them, the default check: any HTTP answer to GET READY_PATH (answersHttp).
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HealthCheck } from '../../shared/types.js';

function get(host: string, port: number, path: string, hostHeader: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, headers: { host: hostHeader }, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { if (body.length < 65536) body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/**
 * The default check's path: one no app serves, so the probe has no side
 * effect (a visit counter on `/` would count every deploy's probe); any
 * answer, a 404 too, shows the server is up and serving.
 */
export const READY_PATH = '/.well-known/berth-ready';

/** Resolves with the status once a response head arrives; the body is not read (it may never end: a stream). */
function head(host: string, port: number, hostHeader: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: READY_PATH, headers: { host: hostHeader }, agent: false, timeout: timeoutMs }, (res) => {
      resolve(res.statusCode ?? 0);
      res.on('error', () => {});
      req.destroy();
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Resolves undefined when every check passes, else the reason of the last failure. */
export async function runHealthChecks(
  host: string, port: number, hostHeader: string, checks: readonly HealthCheck[], isAlive: () => Promise<boolean>,
): Promise<string | undefined> {
  for (const check of checks) {
    let why = '';
    for (let attempt = 1; attempt <= check.attempts; attempt++) {
      try {
        const res = await get(host, port, check.path, hostHeader, check.timeoutSec * 1000);
        if (res.status < 200 || res.status >= 400) why = `GET ${check.path} answered ${res.status}`;
        else if (check.content && !res.body.includes(check.content)) why = `GET ${check.path} did not contain "${check.content}"`;
        else { why = ''; break; }
      } catch (err) {
        why = `GET ${check.path} failed: ${(err as Error).message}`;
      }
      if (!(await isAlive())) return `${why} (the process exited)`;
      if (attempt < check.attempts) await sleep(check.waitSec * 1000);
    }
    if (why) return `${why}, after ${check.attempts} attempt(s)`;
  }
  return undefined;
}

// A refused or reset request is tried again this soon: the app is still starting, or its server restarts.
const HTTP_RETRY_MS = 50;

/**
 * The default readiness check, after the port accepted: GET READY_PATH gets an HTTP
 * answer, any status. A framework that binds before it loads its config (Next)
 * crashes here instead of after the switch. One request may wait for the
 * whole boot deadline (a slow first render is an answer too); a reset is
 * tried again while the process lives. Resolves undefined when answered.
 */
export async function answersHttp(
  host: string, port: number, hostHeader: string, deadline: number, isAlive: () => Promise<boolean>,
): Promise<string | undefined> {
  let why = 'no answer';
  while (Date.now() < deadline) {
    try {
      await head(host, port, hostHeader, Math.max(1, deadline - Date.now()));
      return undefined;
    } catch (err) {
      why = (err as Error).message;
    }
    if (!(await isAlive())) return `GET ${READY_PATH} failed: ${why} (the process exited)`;
    await sleep(HTTP_RETRY_MS);
  }
  return `GET ${READY_PATH} got no HTTP answer: ${why}`;
}

/** One look at a running process after go-live: 'refused' (not listening: a crash or a boot, which ps shows), or why it failed. */
export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly refused: boolean; readonly why: string };

const REFUSED = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH']);

/**
 * The check Swarm's task health check makes (swarm/health-test.ts), once:
 * with app.json's first web path, a status below 400; without, any HTTP
 * answer to READY_PATH.
 */
export async function probeOnce(host: string, port: number, hostHeader: string, path: string | undefined, timeoutMs: number): Promise<ProbeResult> {
  try {
    if (path === undefined) {
      await head(host, port, hostHeader, timeoutMs);
      return { ok: true };
    }
    const res = await get(host, port, path, hostHeader, timeoutMs);
    return res.status < 400 ? { ok: true } : { ok: false, refused: false, why: `GET ${path} answered ${res.status}` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    return { ok: false, refused: REFUSED.has(code), why: `GET ${path ?? READY_PATH} got no answer: ${(err as Error).message}` };
  }
}
