// Who is pushing to an app right now, for the audit log. Over SSH the hook
// is told in its environment; over HTTP node-git-server spawns git with
// Berth's own environment, so the receiver notes the pusher here for the
// receive endpoint (same process: the api role) to find.
import type { Actor } from '../audit/record.js';

const pushing = new Map<string, Actor[]>();

/** Notes `actor` as pushing to `app`; call the returned function when the request ends. */
export function notePusher(app: string, actor: Actor): () => void {
  const list = pushing.get(app) ?? [];
  list.push(actor);
  pushing.set(app, list);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const rest = (pushing.get(app) ?? []).filter((a) => a !== actor);
    if (rest.length) pushing.set(app, rest);
    else pushing.delete(app);
  };
}

/** The pusher of `app`; with two at once, both names (the audit says "a|b"). */
export function currentPusher(app: string): Actor | undefined {
  const list = pushing.get(app);
  if (!list?.length) return undefined;
  if (list.length === 1) return list[0];
  return { user: [...new Set(list.map((a) => a.user))].join('|'), via: list[0]!.via, source: [...new Set(list.map((a) => a.source))].join('|') };
}
