// A tiny Dockerfile app for load tests and benches: a static page served by
// Python's http.server from the run stack image (no build step, no network),
// so a push costs one COPY layer. Each repo's page names its app.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { commitFile, git } from './git.js';

export const TINY_DOCKERFILE = `FROM berth/stack:bookworm
COPY index.html /srv/index.html
EXPOSE 5000
CMD ["python3", "-m", "http.server", "--directory", "/srv", "5000"]
`;

export const tinyPage = (app: string, version: number) => `${app} v${version}\n`;

/** A fresh repo of the tiny app for `app`, its page at version 1, committed on main. */
export async function tinyRepo(app: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-tiny-'));
  await writeFile(path.join(dir, 'Dockerfile'), TINY_DOCKERFILE);
  await writeFile(path.join(dir, 'index.html'), tinyPage(app, 1));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'tiny app');
  return dir;
}

/** Commits a new version of the page. */
export const bumpTiny = (dir: string, app: string, version: number) => commitFile(dir, 'index.html', tinyPage(app, version), `v${version}`);
