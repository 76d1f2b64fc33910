// A BuildLog that appends to the build's Redis stream. Lines are batched for
// a few milliseconds so a chatty build does not cost one round trip a line,
// while the pusher still sees output live.
import type { BuildLog } from '../shared/build-log.js';
import { cleanLine, detail, failure, step } from '../shared/push-output.js';
import { appendLog } from '../store/builds.js';
import type { RedisHandle } from '../store/redis.js';

export interface BuildLogWriter extends BuildLog {
  flush(): Promise<void>;
}

export function buildLogWriter(r: RedisHandle, buildId: string, maxLines: number, echo?: (line: string) => void): BuildLogWriter {
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  const flush = () => {
    if (timer) { clearTimeout(timer); timer = undefined; }
    const batch = pending;
    pending = [];
    chain = chain.then(() => appendLog(r, buildId, batch, maxLines)).catch((err) => console.error(`build log ${buildId}: ${err.message}`));
    return chain;
  };
  const push = (line: string) => {
    pending.push(line);
    echo?.(line);
    if (pending.length >= 100) void flush();
    else timer ??= setTimeout(() => void flush(), 20);
  };
  return {
    step: (t) => push(step(t)),
    detail: (t) => push(detail(t)),
    error: (t) => push(failure(t)),
    raw: (l) => { const c = cleanLine(l); if (c.trim()) push(detail(c)); },
    flush,
  };
}
