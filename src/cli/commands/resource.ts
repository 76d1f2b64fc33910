// resource:limit, resource:report — memory and CPU per process type,
// applied at the next deploy or restart, as Dokku does.
import { usageError } from '../args.js';
import { seg } from '../client.js';
import { bytes, type Output } from '../output.js';
import { renderTable } from '../table.js';
import type { Command, CommandGroup } from '../registry.js';

interface Limits { memoryBytes?: number; cpus?: number }

function printLimits(out: Output, app: string, resources: Record<string, Limits>): void {
  out.header(`${app} Resource Limits`);
  const rows = Object.entries(resources).map(([type, l]) => [type, bytes(l.memoryBytes) || 'default', l.cpus === undefined ? 'default' : String(l.cpus)]);
  if (rows.length === 0) out.info(`${app} uses the server's defaults. Set limits with berth resource:limit ${app} --memory 512m`);
  else out.line(renderTable(['Type', 'Memory', 'CPUs'], rows));
}

const limit: Command = {
  name: 'resource:limit',
  summary: 'Limit memory and CPUs of a process type',
  usage: '[--process-type TYPE] [--memory SIZE] [--cpus N]',
  description: 'Sets the memory and CPU limits of one process type (web by default). They apply at the next\n'
    + 'deploy or restart: run berth ps:restart <app> to apply them now.',
  examples: ['berth resource:limit my-app --memory 512m --cpus 1', 'berth resource:limit my-app --process-type worker --memory 1g'],
  flags: [
    { name: 'process-type', short: 'p', type: 'string', valueName: '<type>', description: 'the process type (default web)' },
    { name: 'memory', short: 'm', type: 'string', valueName: '<size>', description: 'memory limit: 512m, 1g, ...' },
    { name: 'cpus', short: 'c', type: 'string', valueName: '<n>', description: 'CPU limit: 0.5, 1, 2, ...' },
  ],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const { memory, cpus } = flags;
    if (memory === undefined && cpus === undefined) throw usageError('give --memory and/or --cpus', `for example: berth resource:limit ${app} --memory 512m`);
    if (typeof memory === 'string' && !/^\d+(\.\d+)?[bkmg]?$/i.test(memory)) throw usageError(`invalid memory "${memory}": use e.g. 512m or 1g`);
    if (typeof cpus === 'string' && !(Number(cpus) > 0)) throw usageError(`invalid cpus "${cpus}": use a number like 0.5 or 2`);
    const body = await (await api()).request<{ resources: Record<string, Limits> }>('PUT', `/apps/${seg(app)}/resources`, {
      body: { processType: flags['process-type'], memory, cpus: cpus === undefined ? undefined : Number(cpus) },
    });
    if (flags.json) return out.json(body);
    printLimits(out, app, body.resources);
    out.info(`They apply at the next deploy or restart (berth ps:restart ${app}).`);
  },
};

const report: Command = {
  name: 'resource:report',
  summary: 'Show the app\'s resource limits',
  examples: ['berth resource:report my-app'],
  app: true,
  json: true,
  async run({ api, app, out, flags }) {
    const body = await (await api()).request<{ resources: Record<string, Limits> }>('GET', `/apps/${seg(app)}/resources`);
    if (flags.json) return out.json(body);
    printLimits(out, app, body.resources);
  },
};

export const resourceGroup: CommandGroup = { title: 'Resources', commands: [limit, report] };
