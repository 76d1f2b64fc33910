// install.sh keeps its settings in /etc/berth/berth.env: what one run writes,
// the next reads back exactly (quotes, $, backquotes, backslashes), and a
// variable set for that run wins over the file. Runs install.sh's own
// functions (cut out of it), against a scratch file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/berth.js';

const install = readFileSync(path.join(ROOT, 'deploy/install.sh'), 'utf8');
/** install.sh's lines from `from` to the next `to` (just that line without one). */
const cut = (from: RegExp, to?: RegExp) => {
  const lines = install.split('\n');
  const a = lines.findIndex((l) => from.test(l));
  const b = to ? lines.findIndex((l, i) => i > a && to.test(l)) : a;
  assert.ok(a >= 0 && b >= a, `install.sh has ${from}`);
  return lines.slice(a, b + 1).join('\n');
};

test('berth.env: written, read back exactly, and the environment of the run wins', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-env-'));
  try {
    const file = path.join(dir, 'berth.env');
    const fns = [cut(/^unescape\(\)/), cut(/^load_env_file\(\) \{/, /^\}/), cut(/^write_env_file\(\) \{/, /^\}/)]
      .join('\n').replace('mkdir -p /etc/berth', `mkdir -p ${dir}`);
    const tricky = 'a "q" $HOME `x` \\n \\\\ end';
    const script = `set -euo pipefail\nwarn() { echo "$*" >&2; }\nenv_file=${file}\n${fns}\n`
      + 'write_env_file\nunset BERTH_TRICKY BERTH_SCHEDULER\nexport BERTH_DOMAIN=from-the-run.test\nload_env_file\n'
      + 'printf "%s\\n%s\\n%s\\n" "$BERTH_TRICKY" "$BERTH_SCHEDULER" "$BERTH_DOMAIN"';
    const out = execFileSync('bash', ['-c', script], {
      encoding: 'utf8', env: { PATH: process.env.PATH, BERTH_TRICKY: tricky, BERTH_SCHEDULER: 'swarm', BERTH_DOMAIN: 'from-the-file.test', OTHER: 'not kept' },
    });
    assert.deepEqual(out.split('\n').slice(0, 3), [tricky, 'swarm', 'from-the-run.test']);
    const written = readFileSync(file, 'utf8');
    assert.match(written, /^BERTH_SCHEDULER="swarm"$/m);
    assert.doesNotMatch(written, /OTHER/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
