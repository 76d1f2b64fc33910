#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's own test runner (tsx for
// TypeScript). Node 20's --test takes no globs, so we list the files here.
// Usage: node test/run.mjs [filter-substring...]
//
// Files run BERTH_TEST_JOBS at a time (default 2): each file starts its own
// server, Redis and ports, and most of their time is spent waiting on Docker,
// so two lanes roughly halve CI's wall time on a 2-core machine. A file that
// disturbs the machine for others (restarts an engine, fills a disk, loads
// every core) says `// berth-test: exclusive` in its first lines and runs
// alone, after the others.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(import.meta.dirname, '.');
const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) { if (name !== 'bench' && name !== 'fixtures') walk(p); }
    else if (name.endsWith('.test.ts') && (filters.length === 0 || filters.some((f) => p.includes(f)))) files.push(p);
  }
})(root);
if (files.length === 0) { console.error('no test files matched'); process.exit(1); }

const isExclusive = (f) => readFileSync(f, 'utf8').split('\n', 8).some((l) => /^\/\/ berth-test: exclusive\b/.test(l));
const exclusive = files.filter(isExclusive);
const shared = files.filter((f) => !exclusive.includes(f));
// No file may hang the run after its tests are done (exit-after.mjs says why).
const exitAfter = new URL('./helpers/exit-after.mjs', import.meta.url).href;
const jobs = Math.max(1, Number.parseInt(process.env.BERTH_TEST_JOBS ?? '2', 10) || 2);

function run(group, concurrency) {
  if (group.length === 0) return 0;
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', exitAfter, '--test', `--test-concurrency=${concurrency}`, ...group], { stdio: 'inherit' });
  console.log(`# ${group.length} file(s), ${concurrency} at a time: ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  return r.status ?? 1;
}

const a = run(shared, jobs);
const b = run(exclusive, 1);
process.exit(a || b);
