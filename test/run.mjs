#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's own test runner (tsx for
// TypeScript), one process per file, BERTH_TEST_JOBS files at a time
// (default 3): each file starts its own server, Redis and ports, and most of
// their time is spent waiting on Docker, so lanes cut CI's wall time on a
// 2-core machine. Usage: node test/run.mjs [filter-substring...]
//
// Files start longest first (test/timings.json, from earlier full runs), so
// a long file does not start last and hold the run open alone. A file's
// output is printed whole when it ends, so lanes never interleave. A file
// that disturbs the machine for others (restarts an engine, fills a disk,
// loads every core) says `// berth-test: exclusive` in its first 20 lines and
// runs alone, after the others. The run ends with the slowest ten files and
// one `N passed, N failed` line.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = import.meta.dirname;
const timingsFile = path.join(root, 'timings.json');
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

let timings = {};
try { timings = JSON.parse(readFileSync(timingsFile, 'utf8')); } catch { /* first run: alphabetical */ }
const rel = (f) => path.relative(root, f);
const isExclusive = (f) => readFileSync(f, 'utf8').split('\n', 20).some((l) => /^\/\/ berth-test: exclusive\b/.test(l));
const longestFirst = (a, b) => (timings[rel(b)] ?? 60) - (timings[rel(a)] ?? 60);
const exclusive = files.filter(isExclusive).sort(longestFirst);
const shared = files.filter((f) => !exclusive.includes(f)).sort(longestFirst);
// No file may hang the run after its tests are done (exit-after.mjs says why).
const exitAfter = new URL('./helpers/exit-after.mjs', import.meta.url).href;
const jobs = Math.max(1, Number.parseInt(process.env.BERTH_TEST_JOBS ?? '3', 10) || 3);
const results = [];

function runFile(file) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', exitAfter, '--test', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8');
      const count = (k) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      const r = { file: rel(file), sec: (Date.now() - started) / 1000, code: code ?? 1, pass: count('pass'), fail: count('fail') };
      // A file that died before reporting counts as one failure.
      if (r.code !== 0 && r.fail === 0) r.fail = 1;
      results.push(r);
      process.stdout.write(`\n# ===== ${r.file} (${r.sec.toFixed(1)} s, exit ${r.code})\n${text}`);
      resolve();
    });
  });
}

async function lanes(group, n) {
  if (group.length === 0) return;
  const started = Date.now();
  const queue = [...group];
  await Promise.all(Array.from({ length: Math.min(n, queue.length) }, async () => {
    while (queue.length) await runFile(queue.shift());
  }));
  console.log(`# ${group.length} file(s), ${n} at a time: ${((Date.now() - started) / 60_000).toFixed(1)} min`);
}

const started = Date.now();
await lanes(shared, jobs);
await lanes(exclusive, 1);

const slowest = [...results].sort((a, b) => b.sec - a.sec).slice(0, 10);
console.log('\n# slowest files:');
for (const r of slowest) console.log(`#   ${r.sec.toFixed(1).padStart(6)} s  ${r.file}`);
const failedFiles = results.filter((r) => r.code !== 0);
for (const r of failedFiles) console.log(`# FAILED: ${r.file} (exit ${r.code})`);
console.log(`# ${results.length} files in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
if (filters.length === 0 && failedFiles.length === 0) {
  writeFileSync(timingsFile, `${JSON.stringify(Object.fromEntries(results.map((r) => [r.file, Math.round(r.sec)]).sort()), null, 1)}\n`);
}
const pass = results.reduce((n, r) => n + r.pass, 0);
const fail = results.reduce((n, r) => n + r.fail, 0);
console.log(`${pass} passed, ${fail} failed`);
process.exit(failedFiles.length ? 1 : 0);
