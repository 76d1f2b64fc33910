import { cp, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBerth, ROOT } from '../helpers/berth.js';
import { commitFile, git, push } from '../helpers/git.js';
import { removeAppObjects } from '../helpers/docker.js';
const berth = await startBerth({});
const repo = await mkdtemp(path.join(os.tmpdir(), 'berth-try-'));
await cp(path.join(ROOT, 'test/e2e/fixtures/node-framework'), repo, { recursive: true });
git(repo, 'init', '-q', '-b', 'main'); git(repo, 'add', '.'); git(repo, 'commit', '-qm', 'i');
const app = 'try-' + Date.now().toString(36);
try {
  let r = await push(repo, berth.remote(app)); console.log(r.output);
  await commitFile(repo, 'message.txt', 'v2\n');
  r = await push(repo, berth.remote(app)); console.log(r.output);
} finally { await berth.destroy(); removeAppObjects([app]); }
