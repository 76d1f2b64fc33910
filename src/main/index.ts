#!/usr/bin/env node
// `berth` entry point. `berth server` runs the platform; every other
// command is the CLI, a client of the REST API (src/cli). The server is
// imported only for `server`, so a CLI call does not load its stack.
import type { Role } from './server.js';
import { installLastResortGuard } from '../shared/last-resort.js';

const USAGE = `Usage: berth server [--role api,router,worker] [--stop-router]

Runs Berth in the foreground: git receiver + API and build worker, and the
router as a process of its own, which keeps serving apps if this one dies.
--role         run only some parts (comma separated), e.g. --role router
--role worker  alone: a build-only worker for another host (deploy/workers.md)
--stop-router  stop the router left running by a server that is gone, and exit
Configuration comes from the environment (BERTH_DATA_DIR, BERTH_DOMAIN, ...).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'server') {
    const { runCli, cliHelp } = await import('../cli/index.js');
    if (command && command !== '--help' && command !== '-h') return runCli(argv);
    console.log(`${cliHelp()}\n\n${USAGE}`);
    return command ? 0 : 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const { ALL_ROLES, startServer } = await import('./server.js');
  let roles: Role[] = [...ALL_ROLES];
  let stopRouter = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--stop-router') {
      stopRouter = true;
    } else if (arg === '--role' || arg?.startsWith('--role=')) {
      const value = arg.includes('=') ? arg.split('=')[1] : rest[++i];
      roles = (value ?? '').split(',').filter(Boolean) as Role[];
      const bad = roles.filter((r) => !ALL_ROLES.includes(r));
      if (bad.length || roles.length === 0) {
        console.error(` !     unknown role "${bad.join(',') || value}": use ${ALL_ROLES.join(', ')}`);
        return 1;
      }
    } else {
      console.error(` !     unknown option "${arg}"\n${USAGE}`);
      return 1;
    }
  }
  if (stopRouter) {
    const { stopLeftoverRouter } = await import('./router-process.js');
    const pid = await stopLeftoverRouter();
    console.log(pid === undefined ? 'berth: no router process is running' : `berth: stopped the router process (pid ${pid})`);
    return 0;
  }
  const server = await startServer(roles);
  // Only once started: a failed start should still exit with its reason.
  installLastResortGuard();
  console.log('berth: ready');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  console.log('berth: shutting down');
  await server.close();
  return 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err: Error & { hint?: string }) => {
  console.error(` !     ${err.message}`);
  // A failed start (Redis refused the password, say) says how to fix it too.
  if (err.hint) console.error(` !     ${err.hint}`);
  process.exit(1);
});
