// events: the audit log (who did what, when, from where, with what result);
// -t follows it until Ctrl-C. secrets:rotate-key re-encrypts config vars.
import { usageError } from '../args.js';
import { eventJson } from '../sse.js';
import { withSpinner } from '../spinner.js';
import type { Output } from '../output.js';
import type { Command, CommandGroup } from '../registry.js';

interface AuditEvent { at: number; user: string; via: string; source: string; action: string; app?: string; detail?: string; result: string; error?: string }

export function formatEvent(out: Output, e: AuditEvent): string {
  const result = e.result === 'ok' ? 'ok' : out.paint('red', `${e.result}${e.error ? ` (${e.error})` : ''}`);
  const what = [e.action, e.app, e.detail].filter(Boolean).join(' ');
  return `${out.paint('dim', new Date(e.at).toISOString())} ${e.user} ${what} ${result} via ${e.via} from ${e.source}`;
}

const events: Command = {
  name: 'events',
  aliases: ['audit'],
  summary: 'Show the audit log (-t to follow it)',
  usage: '[--app APP] [-t] [-n N]',
  description: 'Every change (push, config, scale, rollback, destroy, token, user and key changes, sign-ins and failed sign-ins): when, who, what, via which surface, from which address, and the result. Config values and secrets are never recorded, only names.',
  examples: ['berth events', 'berth events --app my-app -n 20', 'berth events -t'],
  flags: [
    { name: 'app', short: 'a', type: 'string', valueName: '<app>', description: 'only this app\'s events' },
    { name: 'tail', short: 't', type: 'boolean', description: 'keep printing new events as they come' },
    { name: 'num', short: 'n', type: 'string', valueName: '<N>', description: 'how many past events (default 100)' },
  ],
  json: true,
  async run({ api, out, flags, interrupted }) {
    if (flags.num !== undefined && !/^\d+$/.test(String(flags.num))) throw usageError(`-n ${flags.num}: give a number, such as -n 50`);
    const query = { app: typeof flags.app === 'string' ? flags.app : undefined, n: flags.num as string | undefined };
    const client = await api();
    if (!flags.tail) {
      const body = await client.request<{ events: AuditEvent[] }>('GET', '/events', { query });
      if (flags.json) return out.json(body);
      for (const e of body.events) out.line(formatEvent(out, e));
      return;
    }
    const signal = interrupted();
    try {
      for await (const ev of await client.stream('GET', '/events', { query: { ...query, tail: 1 }, signal })) {
        if (ev.event !== 'message') continue;
        const e = eventJson<AuditEvent>(ev);
        out.line(flags.json ? JSON.stringify(e) : formatEvent(out, e));
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
    if (signal.aborted) return 0;
    out.error('the server closed the event stream');
    return 1;
  },
};

const rotateKey: Command = {
  name: 'secrets:rotate-key',
  summary: 'Re-encrypt every config var under a new key',
  description: 'Config vars are stored encrypted (AES-256-GCM) with a key kept in the data dir ($BERTH_DATA_DIR/secrets.key, mode 600). This makes a new key, re-encrypts every stored value with it, and drops the old one.',
  examples: ['berth secrets:rotate-key'],
  json: true,
  async run({ api, out, flags }) {
    const client = await api();
    const body = await withSpinner(out, 'Rotating the secrets key', () => client.request<{ keyId: string; values: number }>('POST', '/secrets/rotate-key'));
    if (flags.json) return out.json(body);
    out.line(`Re-encrypted ${body.values} value(s) under key ${body.keyId}`);
  },
};

export const eventsGroup: CommandGroup = { title: 'Audit and secrets', commands: [events, rotateKey] };
