// logs: the app's runtime output, every process interleaved, as
// `2026-11-29T03:00:00.000Z web.1: text`; -t follows it until Ctrl-C.
import { usageError } from '../args.js';
import { seg } from '../client.js';
import { eventJson } from '../sse.js';
import type { Output } from '../output.js';
import type { Command, CommandGroup } from '../registry.js';

export interface LogLine { time: string; process: string; line: string }

export function formatLogLine(out: Output, l: LogLine): string {
  return `${out.paint('dim', l.time)} ${out.paintProcess(`${l.process}:`)} ${l.line}`;
}

function parseCount(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const s = String(raw);
  if (!/^\d+$/.test(s) || Number(s) < 1) throw usageError(`-n ${s}: give a number of lines, such as -n 200`);
  return Number(s);
}

const logs: Command = {
  name: 'logs',
  summary: 'Show the app\'s output (-t to follow it)',
  usage: '[-t] [-p TYPE] [-n N]',
  description: 'Shows the runtime output of all of the app\'s processes, interleaved, each line with its time (UTC)\n'
    + 'and the process that wrote it. Logs are kept across deploys and restarts, up to a size limit per app.\n'
    + 'With -t it keeps printing new lines until Ctrl-C.',
  examples: ['berth logs my-app', 'berth logs my-app -n 500 -p worker', 'berth logs my-app -t'],
  flags: [
    { name: 'tail', short: 't', type: 'boolean', description: 'keep printing new lines as they come' },
    { name: 'process', short: 'p', type: 'string', valueName: '<type>', description: 'only this process type (web) or process (web.1)' },
    { name: 'num', short: 'n', type: 'string', valueName: '<N>', description: 'how many past lines to show (default 100)' },
  ],
  app: true,
  json: true,
  async run({ api, app, out, flags, interrupted }) {
    const query = { n: parseCount(flags.num), type: typeof flags.process === 'string' ? flags.process : undefined };
    const client = await api();
    const path = `/apps/${seg(app)}/logs`;
    if (!flags.tail) {
      const body = await client.request<{ lines: LogLine[] }>('GET', path, { query });
      if (flags.json) return out.json(body);
      for (const l of body.lines) out.line(formatLogLine(out, l));
      return;
    }
    const signal = interrupted();
    try {
      for await (const ev of await client.stream('GET', path, { query: { ...query, tail: 1 }, signal })) {
        if (ev.event !== 'message') continue;
        const l = eventJson<LogLine>(ev);
        // --json with -t: one JSON object per line (NDJSON), for scripts.
        out.line(flags.json ? JSON.stringify(l) : formatLogLine(out, l));
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
    // Ctrl-C is how a tail ends: that is a success, not an error.
    if (signal.aborted) return 0;
    out.error('the server closed the log stream');
    return 1;
  },
};

export const logsGroup: CommandGroup = { title: 'Logs', commands: [logs] };
