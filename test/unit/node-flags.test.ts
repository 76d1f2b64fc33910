// The server's V8 flags live in src/shared/node-flags.ts, and install.sh, the
// systemd unit template and `npm start` start the server with a copy: they
// must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/berth.js';
import { SERVER_NODE_FLAGS, withServerFlags } from '../../src/shared/node-flags.js';

test('install.sh, the systemd unit and npm start run the server with the flags in node-flags.ts', () => {
  const install = readFileSync(path.join(ROOT, 'deploy/install.sh'), 'utf8');
  assert.equal(/^node_flags="([^"]*)"$/m.exec(install)?.[1], SERVER_NODE_FLAGS.join(' '));
  assert.match(install, /nohup setsid "\$node_bin" \$node_flags "\$repo\/dist\/main\/index\.js" server/);
  const unit = readFileSync(path.join(ROOT, 'deploy/berth.service'), 'utf8');
  assert.match(unit, /^ExecStart=@NODE@ @NODE_FLAGS@ @REPO@\/dist\/main\/index\.js server$/m);
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.start, `node ${SERVER_NODE_FLAGS.join(' ')} dist/main/index.js server`);
});

test('withServerFlags adds only the flags execArgv lacks', () => {
  assert.deepEqual(withServerFlags([]), [...SERVER_NODE_FLAGS]);
  assert.deepEqual(withServerFlags(['--inspect']), ['--inspect', ...SERVER_NODE_FLAGS]);
  // A flag given by hand (another value) stays, and is not added twice.
  assert.deepEqual(withServerFlags(['--max-semi-space-size=32']), ['--max-semi-space-size=32']);
});
