// cron:list, cron:run — app.json `cron` jobs of the live release. cron:run
// streams the job's output and exits with its code, as `run` does.
import { seg } from '../client.js';
import { streamOneOff } from '../one-off-stream.js';
import { stamp } from '../output.js';
import { renderTable, truncate } from '../table.js';
import type { Command, CommandGroup } from '../registry.js';

interface Run { outcome: string; code?: number; startedAt: number; durationMs: number; reason?: string }
interface Job { id: string; schedule: string; command: string; nextRunAt?: string; running?: { startedAt: number }; lastRun?: Run }

function last(r: Run | undefined, running: Job['running']): [string, string] {
  if (running) return [`running since ${stamp(running.startedAt)}`, ''];
  if (!r) return ['never', ''];
  const code = r.outcome === 'skipped' ? 'skipped' : r.outcome === 'timeout' ? 'timeout' : r.code === undefined ? 'error' : String(r.code);
  return [stamp(r.startedAt), code];
}

const list: Command = {
  name: 'cron:list',
  aliases: ['cron', 'cron:report'],
  summary: 'List the app\'s scheduled jobs (app.json cron) with their next and last runs',
  description: 'Jobs come from the live release\'s app.json `cron`. Times are UTC.',
  examples: ['berth cron:list my-app', 'berth cron:list my-app --json'],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const body = await (await api()).request<{ jobs: Job[] }>('GET', `/apps/${seg(app)}/cron`);
    if (flags.json) return out.json(body);
    if (body.jobs.length === 0) {
      out.info(`${app} has no scheduled jobs. Add them to app.json: "cron": [{ "command": "...", "schedule": "@daily" }]`);
      return;
    }
    out.header(`${app} Scheduled Jobs (UTC)`);
    out.line(renderTable(['Id', 'Schedule', 'Command', 'Next run', 'Last run', 'Exit'], body.jobs.map((j) => {
      const [when, code] = last(j.lastRun, j.running);
      return [j.id, j.schedule, truncate(j.command, 50), stamp(j.nextRunAt), when, code === '0' || code === '' ? code : out.paint('red', code)];
    })));
  },
};


const run: Command = {
  name: 'cron:run',
  summary: 'Run one of the app\'s scheduled jobs now',
  usage: '<id>',
  description: 'Runs the job as its schedule would (a one-off container of the live release, its output in the app\'s log\n'
    + 'as cron.<id> and in its history). Output streams back; berth exits with the job\'s exit code.\n'
    + 'Refused while a run of the same job is going: runs of one job never overlap.',
  examples: ['berth cron:run my-app 3f2a9c01d4'],
  app: true,
  args: [1, 1],
  async run({ api, app, args, out, interrupted }) {
    const signal = interrupted();
    const client = await api();
    return streamOneOff(client, `/apps/${seg(app)}/cron/${seg(args[0]!)}/run`, {}, {
      out, signal, what: 'job',
      onExit: ({ outcome, reason }) => {
        if (outcome === 'timeout' || outcome === 'skipped' || (reason && outcome !== 'succeeded')) out.error(`${outcome}: ${reason ?? ''}`);
      },
    });
  },
};

export const cronGroup: CommandGroup = { title: 'Scheduled jobs', commands: [list, run] };
