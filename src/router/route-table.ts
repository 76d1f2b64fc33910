// The router's in-memory copy of the Redis route table. Lookups happen on
// every request, so they must never wait on Redis; route-sync.ts keeps this
// copy current.
import type { RouteEntry } from '../store/routes.js';

export type Resolution =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'down'; readonly app: string }
  | { readonly kind: 'up'; readonly app: string; readonly target: URL };

interface Route {
  readonly targets: readonly URL[];
  /** Round-robin cursor; survives an entry update so load stays spread. */
  next: number;
}

/** `host:port` -> URL, or undefined when the scheduler wrote something odd. */
function parseUpstream(upstream: string): URL | undefined {
  try {
    const url = new URL(`http://${upstream}`);
    const clean = url.port !== '' && url.pathname === '/' && !url.username && !url.search && !url.hash;
    return clean ? url : undefined;
  } catch {
    return undefined;
  }
}

export class RouteTable {
  readonly #routes = new Map<string, Route>();

  /** Stores an entry and returns the upstreams it had to skip as malformed. */
  set(entry: RouteEntry): string[] {
    const targets: URL[] = [];
    const skipped: string[] = [];
    for (const upstream of entry.upstreams) {
      const url = parseUpstream(upstream);
      if (url) targets.push(url);
      else skipped.push(upstream);
    }
    const next = this.#routes.get(entry.app)?.next ?? 0;
    this.#routes.set(entry.app, { targets, next });
    return skipped;
  }

  delete(app: string): void {
    this.#routes.delete(app);
  }

  apps(): string[] {
    return [...this.#routes.keys()];
  }

  resolve(app: string | undefined): Resolution {
    const route = app === undefined ? undefined : this.#routes.get(app);
    if (!route || app === undefined) return { kind: 'unknown' };
    if (route.targets.length === 0) return { kind: 'down', app };
    const index = route.next % route.targets.length;
    route.next = (index + 1) % route.targets.length;
    return { kind: 'up', app, target: route.targets[index]! };
  }
}
