// A BuildLog that keeps its lines, for operations answered over the API
// (config:set, rollback, ps:scale) rather than streamed to a pusher.
import type { BuildLog } from '../shared/build-log.js';
import { cleanLine, detail, failure, step } from '../shared/push-output.js';

export interface CollectingLog extends BuildLog { readonly lines: string[] }

export function collectingLog(): CollectingLog {
  const lines: string[] = [];
  return {
    lines,
    step: (t) => lines.push(step(t)),
    detail: (t) => lines.push(detail(t)),
    error: (t) => lines.push(failure(t)),
    raw: (l) => { const c = cleanLine(l); if (c.trim()) lines.push(detail(c)); },
  };
}
