// Which config var a link sets, as Dokku does: the first service of a kind
// linked to an app gets the kind's var (DATABASE_URL, REDIS_URL); any later
// one gets <NAME>_URL (db-2 -> DB_2_URL). promote swaps which one holds the
// kind's var. Pure functions: the ops apply the plan in one release.

export interface AppLink { readonly service: string; readonly kind: string; readonly envVar: string }

export const nameVar = (service: string) => `${service.toUpperCase().replace(/-/g, '_')}_URL`;

/** The var a new link of `service` (of a kind whose first var is `kindVar`) gets. */
export function envVarForLink(kindVar: string, service: string, links: readonly AppLink[], config: Readonly<Record<string, string>>): string {
  const held = links.some((l) => l.envVar === kindVar) || kindVar in config;
  return held ? nameVar(service) : kindVar;
}

export interface PromotePlan {
  /** Link var changes: service -> its new var. */
  readonly moves: readonly { service: string; envVar: string }[];
  /** Vars to drop (the promoted service's old <NAME>_URL). */
  readonly unset: readonly string[];
}

/** promote `service` to `kindVar`; the service that held it falls back to its <NAME>_URL. */
export function promotePlan(kindVar: string, service: string, links: readonly AppLink[]): PromotePlan {
  const mine = links.find((l) => l.service === service);
  if (!mine || mine.envVar === kindVar) return { moves: [], unset: [] };
  const holder = links.find((l) => l.envVar === kindVar);
  const moves = [{ service, envVar: kindVar }];
  if (holder) moves.push({ service: holder.service, envVar: nameVar(holder.service) });
  const unset = holder && nameVar(holder.service) === mine.envVar ? [] : [mine.envVar];
  return { moves, unset };
}
