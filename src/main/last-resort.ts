// The last-resort guard of a server process. An error no handler took
// (an 'error' event nobody listens to, a rejected promise nobody awaits)
// would end the process, and with it the API, git and the router for
// every app. Each one is a bug in Berth: it is logged loudly with its
// stack and counted (healthz, /metrics), and the server keeps serving.
import { countUncaught } from '../shared/uncaught.js';

let installed = false;

export function installLastResortGuard(log: (line: string) => void = (l) => console.error(l)): void {
  if (installed) return;
  installed = true;
  const caught = (kind: string) => (err: unknown) => {
    const n = countUncaught();
    const detail = err instanceof Error ? err.stack ?? `${err.name}: ${err.message}` : String(err);
    log(`berth: BUG: uncaught ${kind}, ${n} so far (the server keeps running; please report this): ${detail}`);
  };
  process.on('uncaughtException', caught('exception'));
  process.on('unhandledRejection', caught('rejection'));
}
