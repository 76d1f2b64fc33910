// ps, ps:scale, ps:restart, ps:stop, ps:start
import { parseScaleSpec, usageError } from '../args.js';
import { seg } from '../client.js';
import { duration, stamp, type Output } from '../output.js';
import { withSpinner } from '../spinner.js';
import { renderTable } from '../table.js';
import type { Command, CommandGroup } from '../registry.js';
import { formationText } from './apps.js';

export interface ProcessRow {
  name: string; type: string; state: string; crashed: boolean; startedAt: string;
  uptimeSec: number; restarts: number; release: string; lastLines?: string[]; reason?: string;
  /** Under Swarm, the node the process runs on. */
  node?: string;
}
interface PsBody { formation: Record<string, number>; processes: ProcessRow[] }

/** The process table, then each crashed process with its last lines. */
export function printProcesses(out: Output, app: string, body: PsBody): void {
  out.header(`${app} Processes (${formationText(body.formation)})`);
  if (body.processes.length === 0) {
    out.info(`No processes are running. Start them with berth ps:start ${app}, or berth ps:scale ${app} web=1`);
    return;
  }
  const state = (p: ProcessRow) => (p.crashed ? out.paint('red', 'crashed') : p.state);
  // A Node column only when the scheduler spans hosts (swarm).
  const nodes = body.processes.some((p) => p.node);
  out.line(renderTable(['Name', 'State', 'Uptime', 'Restarts', 'Release', 'Started', ...(nodes ? ['Node'] : [])], body.processes.map((p) => [
    p.name, state(p), p.crashed || p.state !== 'running' ? '-' : duration(p.uptimeSec), String(p.restarts), p.release, stamp(p.startedAt),
    ...(nodes ? [p.node ?? '-'] : []),
  ]), { alignRight: [3] }));
  for (const p of body.processes.filter((x) => x.crashed)) {
    out.line(`\n${p.name} crashed${p.reason ? `: it ${p.reason}` : ''}${p.restarts ? ` (restarted ${p.restarts} times)` : ''}; its last lines:`);
    for (const l of p.lastLines?.length ? p.lastLines : ['(no output)']) out.line(`       ${l}`);
  }
}

const list: Command = {
  name: 'ps',
  aliases: ['ps:list', 'ps:report'],
  summary: 'List the app\'s processes: type, state, uptime, restarts',
  description: 'Lists every process of the app. A crash-looping process shows as crashed, with its last log lines.',
  examples: ['berth ps my-app'],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const body = await (await api()).request<PsBody>('GET', `/apps/${seg(app)}/ps`);
    if (flags.json) return out.json(body);
    printProcesses(out, app, body);
  },
};

/** `web=2 worker=1` to `{ web: 2, worker: 1 }`, all checked before sending. */
export function parseFormation(args: readonly string[]): Record<string, number> {
  const formation: Record<string, number> = {};
  for (const a of args) {
    const [type, n] = parseScaleSpec(a);
    if (type in formation) throw usageError(`"${type}" is given twice`);
    formation[type] = n;
  }
  return formation;
}

const scale: Command = {
  name: 'ps:scale',
  aliases: ['scale'],
  summary: 'Scale process types (or show the formation)',
  usage: '[TYPE=COUNT...]',
  description: 'Sets how many processes of each type run, from 0 to 100. New web processes are health-checked\n'
    + 'before they take traffic. Without arguments it prints the current formation.',
  examples: ['berth ps:scale my-app web=2 worker=1', 'berth ps:scale my-app'],
  app: true,
  json: true,
  args: [0, Infinity],
  async run({ api, app, args, out, flags }) {
    const formation = parseFormation(args);
    const client = await api();
    if (args.length === 0) {
      const body = await client.request<PsBody>('GET', `/apps/${seg(app)}/ps`);
      if (flags.json) return out.json(body);
      out.line(formationText(body.formation));
      return;
    }
    const body = await withSpinner(out, `Scaling ${app} to ${formationText(formation)}`,
      () => client.request<PsBody>('PUT', `/apps/${seg(app)}/formation`, { body: { formation } }));
    if (flags.json) return out.json(body);
    out.line(`Now running ${formationText(body.formation)}`);
  },
};

/** ps:restart, ps:stop, ps:start: a POST, then the processes afterwards. */
function lifecycle(verb: 'restart' | 'stop' | 'start', summary: string, description: string, label: string): Command {
  return {
    name: `ps:${verb}`,
    aliases: verb === 'restart' ? ['restart'] : [],
    summary,
    description,
    usage: verb === 'restart' ? '[TYPE]' : undefined,
    examples: verb === 'restart' ? ['berth ps:restart my-app', 'berth ps:restart my-app worker'] : [`berth ps:${verb} my-app`],
    app: true,
    json: true,
    args: verb === 'restart' ? [0, 1] : [0, 0],
    async run({ api, app, args, out, flags }) {
      const client = await api();
      const type = args[0];
      const body = await withSpinner(out, `${label}${type ? ` ${type}` : ''} processes of ${app}`,
        () => client.request<PsBody>('POST', `/apps/${seg(app)}/ps/${verb}`, { body: type ? { type } : {} }));
      if (flags.json) return out.json(body);
      if (body?.processes) printProcesses(out, app, body);
    },
  };
}

const restart = lifecycle('restart', 'Restart processes, with zero downtime',
  'Replaces the app\'s processes (or those of one type) the way a deploy does: new ones are checked first.', 'Restarting');
const stop = lifecycle('stop', 'Stop every process (the app answers 503)',
  'Stops all of the app\'s processes until ps:start, a restart or a deploy. The router answers 503 meanwhile.', 'Stopping');
const start = lifecycle('start', 'Start a stopped app\'s processes again',
  'Starts the app\'s processes again at the current formation.', 'Starting');

export const psGroup: CommandGroup = { title: 'Processes', commands: [list, scale, restart, stop, start] };
