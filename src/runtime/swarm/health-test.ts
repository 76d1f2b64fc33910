// The container health check of a web task, as one shell line: Swarm runs
// it inside the container, so it uses whichever client the image has (curl,
// wget, python3, bash's /dev/tcp). Without a path any HTTP answer to READY_PATH
// counts (no side effect on the app's `/`); with app.json's path the status must be below 400. An image
// with none of these tools passes (Berth's own checks after the update still
// run, routes.ts), which deploy/swarm.md says.

import { READY_PATH } from '../docker-local/health-check.js';

export function healthTest(port: number, path?: string): string {
  const url = `http://127.0.0.1:${port}${path ?? READY_PATH}`.replace(/'/g, '%27');
  const strict = path !== undefined;
  const py = strict
    ? `import sys,urllib.request as u; u.urlopen(sys.argv[1], timeout=3)`
    : `import sys,urllib.request as u,urllib.error as e\ntry: u.urlopen(sys.argv[1], timeout=3)\nexcept e.HTTPError: pass`;
  return [
    `if command -v curl >/dev/null 2>&1; then curl -sS ${strict ? '-f ' : ''}-o /dev/null -m 3 '${url}'`,
    `elif command -v wget >/dev/null 2>&1; then wget -q -O /dev/null -T 3 '${url}' ${strict ? '' : '|| [ $? -eq 8 ]'}`,
    `elif command -v python3 >/dev/null 2>&1; then python3 -c '${py.replace(/'/g, `'"'"'`)}' '${url}'`,
    `elif command -v bash >/dev/null 2>&1; then bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}'`,
    'else exit 0; fi',
  ].join('; ');
}
