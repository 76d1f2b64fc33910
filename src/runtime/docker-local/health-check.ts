// app.json health checks (Dokku's format): HTTP GETs against a new process,
// each retried, all of which must pass before it takes traffic.
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
