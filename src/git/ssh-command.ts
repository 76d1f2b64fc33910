// What an SSH client may run: git-receive-pack or git-upload-pack on one
// app's repository, in the forms git sends for ssh://git@host:port/<app>.git
// and git@host:<app> ('/app.git', 'app.git', 'app'). Anything else is refused.
import { parseAppName, type AppName } from '../shared/app-name.js';
import { fail } from '../shared/errors.js';

export interface GitCommand { readonly service: 'git-receive-pack' | 'git-upload-pack'; readonly app: AppName }

const COMMAND = /^git[ -](receive-pack|upload-pack) +(?:'([^']*)'|"([^"]*)"|(\S+))$/;

export function parseGitCommand(command: string): GitCommand {
  const m = COMMAND.exec(command.trim());
  if (!m) {
    const shown = command.length > 60 ? `${command.slice(0, 60)}…` : command;
    throw fail('ssh_command_refused', `"${shown}" is not allowed here: this SSH server only takes git push and git fetch`,
      'push with: git push ssh://git@<host>:<port>/<app>.git main');
  }
  const repo = (m[2] ?? m[3] ?? m[4] ?? '').replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  return { service: m[1] === 'receive-pack' ? 'git-receive-pack' : 'git-upload-pack', app: parseAppName(repo) };
}
