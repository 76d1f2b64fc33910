// What the fault tests share: a client loop through the router that counts
// failed requests, and a snapshot of what Berth stores about an app (apps,
// releases, config), compared before and after a fault.
import { setTimeout as sleep } from 'node:timers/promises';
import { api } from '../helpers/api.js';
import { viaRouter } from '../helpers/http.js';

/** `failures`: the first 20, with when each was sent; `lastFailureAt`: when the last failed one (of all) was sent, 0 if none. */
export interface LoopResult { ok: number; failed: number; failures: string[]; lastFailureAt: number }
export interface ClientLoop { stop(): Promise<LoopResult>; readonly ok: number }

/** GETs `path` on `host` through the router, one after another with a short pause, until stopped. */
export function startClientLoop(routerPort: number, host: string, path = '/', pauseMs = 50): ClientLoop {
  let stopped = false;
  const r: LoopResult = { ok: 0, failed: 0, failures: [], lastFailureAt: 0 };
  // A failure is dated by when its request was sent.
  const note = (why: string, sent: number) => { r.failed++; r.lastFailureAt = sent; if (r.failures.length < 20) r.failures.push(`${new Date(sent).toISOString()} ${why}`); };
  const run = (async () => {
    while (!stopped) {
      const sent = Date.now();
      await viaRouter(routerPort, host, path, 10_000).then(
        (res) => (res.status === 200 ? r.ok++ : note(`${res.status} ${res.body.slice(0, 120)}`, sent)),
        (err: Error) => note(err.message, sent));
      await sleep(pauseMs);
    }
  })();
  return {
    get ok() { return r.ok; },
    async stop() { stopped = true; await run; return r; },
  };
}

export interface Stored { apps: string[]; releases: unknown[]; config: Record<string, string> }

/** What the API says is stored for `app`: app names, its releases (version, description) and its config. */
export async function storedState(apiPort: number, token: string, app: string): Promise<Stored> {
  const [apps, releases, config] = await Promise.all([
    api(apiPort, token, 'GET', '/apps'),
    api(apiPort, token, 'GET', `/apps/${app}/releases`),
    api(apiPort, token, 'GET', `/apps/${app}/config`),
  ]);
  for (const r of [apps, releases, config]) if (r.status !== 200) throw new Error(`API answered ${r.status}: ${JSON.stringify(r.body)}`);
  return {
    apps: (apps.body.apps as { name: string }[]).map((a) => a.name).sort(),
    releases: (releases.body.releases as { version: number; description: string; current: boolean }[])
      .map((x) => ({ version: x.version, description: x.description, current: x.current })),
    config: config.body.config,
  };
}

/** Polls `check` until it returns true, or fails after `ms` with `what`. */
export async function waitFor(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
}
