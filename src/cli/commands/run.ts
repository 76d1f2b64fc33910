// run: a one-off process of the current release with the app's config.
// Its stdout and stderr stream back as they come, and its exit code
// becomes ours, so `berth run app -- ./migrate && deploy` works in scripts.
import { usageError } from '../args.js';
import { seg } from '../client.js';
import { streamOneOff } from '../one-off-stream.js';
import { withSpinner } from '../spinner.js';
import type { Command, CommandGroup } from '../registry.js';


const run: Command = {
  name: 'run',
  summary: 'Run a one-off command in a new container of the app',
  usage: '[--detach] -- <command...>',
  description: 'Starts a one-off container from the app\'s current release, with its config vars, runs the command\n'
    + 'and removes the container. Output streams back; berth exits with the command\'s exit code.\n'
    + 'One argument is run by a shell (quote it); several are passed as they are. Ctrl-C stops it.',
  examples: ['berth run my-app -- python3 manage.py migrate', 'berth run my-app -- \'echo $DATABASE_URL\'', 'berth run my-app --detach -- ./worker.sh'],
  flags: [{ name: 'detach', short: 'd', type: 'boolean', description: 'run in the background; print the process name and return' }],
  app: true,
  passThrough: true,
  async run({ api, app, args, rest, out, flags, interrupted }) {
    const command = [...args, ...rest];
    if (command.length === 0) throw usageError('which command?', `for example: berth run ${app} -- ls -la`);
    const client = await api();
    const path = `/apps/${seg(app)}/run`;
    if (flags.detach) {
      const body = await withSpinner(out, `Running ${command.join(' ')} on ${app} in the background`,
        () => client.request<{ name: string }>('POST', path, { body: { command, detach: true } }), (r) => `, ${r.name}`);
      out.line(body.name);
      return 0;
    }
    return streamOneOff(client, path, { command, detach: false }, { out, signal: interrupted(), what: 'command' });
  },
};

export const runGroup: CommandGroup = { title: 'One-off processes', commands: [run] };
