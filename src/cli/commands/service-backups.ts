// services:backup, services:backups, services:backups:schedule,
// services:backups:unschedule, services:restore, services:export,
// services:import. A failed backup is an error here too: its reason on a
// ` !     ` line and a non-zero exit, so cron jobs and scripts notice.
import { Readable } from 'node:stream';
import { BerthError } from '../../shared/errors.js';
import { seg } from '../client.js';
import { duration, stamp } from '../output.js';
import { withSpinner } from '../spinner.js';
import { renderTable } from '../table.js';
import type { Command, CommandGroup } from '../registry.js';

interface Backup {
  id: string; kind: string; store: string; trigger: string; startedAt: number; finishedAt?: number; durationMs?: number;
  size?: number; status: string; check?: string; error?: string; removedAt?: number;
}
interface Schedule { cron: string; keep: number; nextRun: string }

function size(n: number | undefined): string {
  if (n === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n; let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
const secs = (ms: number | undefined) => (ms === undefined ? '' : ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : duration(Math.round(ms / 1000)));
const statusOf = (b: Backup) => (b.removedAt ? 'removed (--keep)' : b.status === 'succeeded' ? 'succeeded, checked' : b.status);
const keepFlag = { name: 'keep', type: 'string', valueName: '<N>', description: 'keep the N newest good backups; older ones are removed (failed ones never count, the newest good one always stays)' } as const;

const backup: Command = {
  name: 'services:backup',
  summary: 'Back up a service now, and check the backup',
  usage: '<name>',
  description: 'Dumps the service (postgres: pg_dump -Fc; redis: an RDB snapshot) to the backup store, then reads it back with the kind\'s check '
    + '(pg_restore, redis-check-rdb). Only a checked backup counts as succeeded; a failed one is listed with its reason and exits non-zero.',
  examples: ['berth services:backup db', 'berth services:backup db --keep 7'],
  json: true,
  args: [1, 1],
  flags: [keepFlag],
  async run({ api, args, out, flags }) {
    const client = await api();
    const { backup: b } = await withSpinner(out, `Backing up ${args[0]}`,
      () => client.request<{ backup: Backup }>('POST', `/services/${seg(args[0]!)}/backups`, { body: flags.keep === undefined ? {} : { keep: flags.keep } }));
    if (flags.json) return out.json({ backup: b });
    out.line(`-----> Backup ${b.id} of ${args[0]} succeeded`);
    out.line(`       ${size(b.size)} in ${secs(b.durationMs)}, written to ${b.store}`);
    out.line(`       check: ${b.check ?? 'passed'}`);
  },
};

const list: Command = {
  name: 'services:backups',
  summary: 'List a service\'s backups: size, duration, status, and the schedule',
  usage: '<name>',
  examples: ['berth services:backups db'],
  json: true,
  args: [1, 1],
  async run({ api, args, out, flags }) {
    const body = await (await api()).request<{ service: string; backups: Backup[]; schedule: Schedule | null }>('GET', `/services/${seg(args[0]!)}/backups`);
    if (flags.json) return out.json(body);
    out.header(`${body.service} Backups`);
    out.line(body.schedule ? `Schedule: ${body.schedule.cron} (UTC), keep ${body.schedule.keep}; next run ${stamp(body.schedule.nextRun)}` : 'Schedule: none');
    if (body.backups.length === 0) return out.line('No backups yet. Make one with berth services:backup ' + body.service);
    out.line(renderTable(['ID', 'Status', 'Size', 'Took', 'Started', 'By', 'Check / error'], body.backups.map((b) => [
      b.id, b.status === 'failed' ? out.paint('red', 'FAILED') : statusOf(b), size(b.size), secs(b.durationMs), stamp(b.startedAt), b.trigger,
      b.error ?? b.check ?? '',
    ])));
    const failed = body.backups[0]?.status === 'failed';
    if (failed) out.error(`the last backup of ${body.service} failed: ${body.backups[0]!.error ?? 'see above'}`);
  },
};

const schedule: Command = {
  name: 'services:backups:schedule',
  summary: 'Back up a service on a cron schedule (UTC)',
  usage: '<name> "<cron>" --keep <N>',
  description: 'Five cron fields, in UTC. The schedule is kept in Redis and survives restarts; with several servers each run happens once.',
  examples: ['berth services:backups:schedule db "0 3 * * *" --keep 7'],
  json: true,
  args: [2, 2],
  flags: [keepFlag],
  async run({ api, args, out, flags }) {
    if (flags.keep === undefined) throw new BerthError('keep_required', 'a schedule needs --keep N', { hint: `for example: berth services:backups:schedule ${args[0]} "${args[1]}" --keep 7` });
    const body = await (await api()).request<{ schedule: Schedule; nextRun: string }>('PUT', `/services/${seg(args[0]!)}/backups/schedule`, { body: { cron: args[1], keep: flags.keep } });
    if (flags.json) return out.json(body);
    out.line(`${args[0]} is backed up at "${body.schedule.cron}" (UTC), keeping ${body.schedule.keep}; next run ${stamp(body.nextRun)}`);
  },
};

const unschedule: Command = {
  name: 'services:backups:unschedule',
  summary: 'Stop a service\'s scheduled backups (its backups stay)',
  usage: '<name>',
  examples: ['berth services:backups:unschedule db'],
  json: true,
  args: [1, 1],
  async run({ api, args, out, flags }) {
    const body = await (await api()).request('DELETE', `/services/${seg(args[0]!)}/backups/schedule`);
    if (flags.json) return out.json(body);
    out.line(`${args[0]} has no backup schedule any more`);
  },
};

const restore: Command = {
  name: 'services:restore',
  summary: 'Restore a backup into the service, or into a new one with --to',
  usage: '<name> <backup-id>',
  description: 'Replaces the service\'s data with the backup\'s (postgres: pg_restore --clean in one transaction; redis: the RDB, while it is stopped). '
    + 'With --to <new>, creates a new service of the same kind and restores into it, leaving <name> as it is.',
  examples: ['berth services:restore db 20261207-030000-1a2b3c', 'berth services:restore db 20261207-030000-1a2b3c --to db-copy'],
  json: true,
  args: [2, 2],
  flags: [{ name: 'to', type: 'string', valueName: '<new>', description: 'create this new service and restore into it' }],
  async run({ api, args, out, flags }) {
    const client = await api();
    const body = await withSpinner(out, `Restoring ${args[1]} into ${(flags.to as string | undefined) ?? args[0]}`,
      () => client.request<{ restored: string; backup: string; durationMs: number }>('POST', `/services/${seg(args[0]!)}/restore`, { body: { backup: args[1], ...(flags.to === undefined ? {} : { to: flags.to }) } }));
    if (flags.json) return out.json(body);
    out.line(`${body.restored} has the data of backup ${body.backup} (${secs(body.durationMs)}) and accepts connections`);
  },
};

const exportCmd: Command = {
  name: 'services:export',
  summary: 'Write a dump of the service to stdout',
  usage: '<name> > dump',
  description: 'The kind\'s own format (postgres: pg_dump -Fc; redis: RDB), streamed through the API. A dump cut short exits non-zero.',
  examples: ['berth services:export db > db.dump'],
  args: [1, 1],
  async run({ api, args, out, interrupted }) {
    const stdout = out.stdout as NodeJS.WritableStream & { isTTY?: boolean };
    if (stdout.isTTY) throw new BerthError('stdout_is_terminal', 'the dump is binary: send it to a file', { hint: `berth services:export ${args[0]} > ${args[0]}.dump` });
    const res = await (await api()).raw('POST', `/services/${seg(args[0]!)}/export`, { signal: interrupted() });
    if (!res.body) throw new BerthError('bad_response', 'the server sent no dump');
    let bytes = 0;
    try {
      for await (const chunk of Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>)) {
        bytes += (chunk as Buffer).length;
        if (!stdout.write(chunk as Buffer)) await new Promise((r) => stdout.once('drain', r));
      }
    } catch (err) {
      throw new BerthError('export_cut', `the export of ${args[0]} broke off after ${size(bytes)}: ${(err as Error).message}`, { hint: `the file is incomplete; see the server log, then run it again` });
    }
    out.info(`Exported ${size(bytes)} of ${args[0]}`);
  },
};

const importCmd: Command = {
  name: 'services:import',
  summary: 'Load a dump from stdin into the service',
  usage: '<name> < dump',
  description: 'Takes what services:export writes (postgres: pg_dump -Fc; redis: RDB) and restores it into the service, streamed through the API.',
  examples: ['berth services:import db < db.dump'],
  json: true,
  args: [1, 1],
  async run({ api, args, out, flags, interrupted }) {
    const stdin = out.io.stdin;
    if (stdin.isTTY) throw new BerthError('stdin_is_terminal', 'pipe a dump in', { hint: `berth services:import ${args[0]} < ${args[0]}.dump` });
    const client = await api();
    const res = await withSpinner(out, `Importing into ${args[0]}`,
      () => client.raw('PUT', `/services/${seg(args[0]!)}/import`, { body: stdin as unknown as AsyncIterable<Uint8Array>, signal: interrupted() }));
    const body = (await res.json()) as { imported: string; bytes: number; durationMs: number };
    if (flags.json) return out.json(body);
    out.line(`${body.imported} has the imported data (${size(body.bytes)} in ${secs(body.durationMs)}) and accepts connections`);
  },
};

export const serviceBackupsGroup: CommandGroup = {
  title: 'Service backups',
  commands: [backup, list, schedule, unschedule, restore, exportCmd, importCmd],
};
