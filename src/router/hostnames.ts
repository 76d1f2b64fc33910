// Host -> app for custom domains: exact names and `*.example.com` wildcards,
// where the longest (most specific) match wins, as in nginx's server_name.
// `<app>.<domain>` itself is handled by host.ts; this table is consulted first
// only for names outside the Berth domain.

export class HostnameTable {
  #exact = new Map<string, string>();
  /** Suffix including the leading dot (`.example.com`) -> app. */
  #wildcard = new Map<string, string>();

  /** Replaces the whole table (domains are few and change rarely). */
  load(all: Record<string, string>): void {
    const exact = new Map<string, string>();
    const wildcard = new Map<string, string>();
    for (const [hostname, app] of Object.entries(all)) {
      if (hostname.startsWith('*.')) wildcard.set(hostname.slice(1), app);
      else exact.set(hostname, app);
    }
    this.#exact = exact;
    this.#wildcard = wildcard;
  }

  /** The app for a normalised host, or undefined. */
  lookup(host: string): string | undefined {
    const exact = this.#exact.get(host);
    if (exact !== undefined || this.#wildcard.size === 0) return exact;
    // `*.example.com` matches `a.example.com` and `a.b.example.com`, not
    // `example.com`; trying suffixes from the longest finds the most specific.
    for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      const app = this.#wildcard.get(host.slice(dot));
      if (app !== undefined) return app;
    }
    return undefined;
  }

  /** The names an app answers to (for ACME orders). */
  namesOf(app: string): string[] {
    const out: string[] = [];
    for (const [h, a] of this.#exact) if (a === app) out.push(h);
    for (const [s, a] of this.#wildcard) if (a === app) out.push(`*${s}`);
    return out.sort();
  }
}
