// Refusing a push in git's own words: the reason on the pusher's screen
// (side-band progress lines, shown as `remote:`) and every ref reported as
// `[remote rejected]`, so `git push` fails with a clear message instead of
// an opaque "RPC failed; HTTP 4xx".
import type { ServerResponse } from 'node:http';
import { FLUSH, pkt, type PushCommands } from './pkt-line.js';
import { NO_CACHE } from './reply.js';

export function refusePush(res: ServerResponse, cmds: PushCommands, lines: readonly string[], reason: string): void {
  const sideband = cmds.caps.includes('side-band-64k') || cmds.caps.includes('side-band');
  const report = cmds.caps.includes('report-status') || cmds.caps.includes('report-status-v2');
  const status = report
    ? Buffer.concat([pkt('unpack ok\n'), ...cmds.updates.map((u) => pkt(`ng ${u.ref} ${reason}\n`)), Buffer.from(FLUSH)])
    : Buffer.alloc(0);
  const parts: Buffer[] = [];
  if (sideband) {
    for (const line of lines) parts.push(pkt(Buffer.concat([Buffer.from([2]), Buffer.from(`${line}\n`)])));
    if (status.length) parts.push(pkt(Buffer.concat([Buffer.from([1]), status])));
    parts.push(Buffer.from(FLUSH));
  } else parts.push(status);
  res.writeHead(200, { 'content-type': 'application/x-git-receive-pack-result', connection: 'close', ...NO_CACHE });
  res.end(Buffer.concat(parts));
}
