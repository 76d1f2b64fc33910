// Unit tests of the CLI's pieces: the argument parser, K=V and type=N
// checks, tables, SSE parsing, did-you-mean, URLs and settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseArgs, parseConfigPair, parseScaleSpec, type FlagSpec } from '../../src/cli/args.js';
import { renderKeyValues, renderTable } from '../../src/cli/table.js';
import { SseParser, readSse } from '../../src/cli/sse.js';
import { didYouMean, editDistance } from '../../src/cli/did-you-mean.js';
import { normalizeUrl } from '../../src/cli/client.js';
import { ago, bytes, duration } from '../../src/cli/output.js';
import { registry } from '../../src/cli/registry.js';
import { wrap } from '../../src/cli/help.js';
import { shellQuote } from '../../src/cli/commands/config.js';
import { parseVersion } from '../../src/cli/commands/releases.js';
import { parseFormation } from '../../src/cli/commands/ps.js';
import { gitRemote } from '../../src/cli/commands/apps.js';
import { loadCliConfig } from '../../src/config/cli.js';
import { BerthError } from '../../src/shared/errors.js';

const SPECS: FlagSpec[] = [
  { name: 'tail', short: 't', type: 'boolean', description: '' },
  { name: 'num', short: 'n', type: 'string', description: '' },
  { name: 'process', short: 'p', type: 'string', description: '' },
  { name: 'no-restart', type: 'boolean', description: '' },
  { name: 'app', short: 'a', type: 'string', description: '' },
];
const usage = (re: RegExp) => (e: unknown) => e instanceof BerthError && e.code === 'invalid_usage' && re.test(e.message);

test('args: long, short, clustered and inline flags, positionals, --', () => {
  assert.deepEqual(parseArgs(['my-app', '--num', '50', '-t', 'x'], SPECS), { positionals: ['my-app', 'x'], flags: { num: '50', tail: true }, rest: [] });
  assert.deepEqual(parseArgs(['--num=7', '-n8', '-tp', 'web'], SPECS).flags, { num: '8', tail: true, process: 'web' });
  assert.deepEqual(parseArgs(['-a', 'app', '--no-restart', 'A=1'], SPECS), { positionals: ['A=1'], flags: { app: 'app', 'no-restart': true }, rest: [] });
  assert.deepEqual(parseArgs(['app', '--', 'ls', '-la', '--num'], SPECS), { positionals: ['app'], flags: {}, rest: ['ls', '-la', '--num'] });
  // A value may look like a flag's value only where one is expected; `-1` is a positional.
  assert.deepEqual(parseArgs(['-n', '-5'], SPECS).flags, { num: '-5' });
  assert.deepEqual(parseArgs(['-1'], SPECS).positionals, ['-1']);
  assert.deepEqual(parseArgs(['a', '-', 'b'], SPECS).positionals, ['a', '-', 'b']);
});

test('args: unknown flags, missing values and values on booleans are errors', () => {
  assert.throws(() => parseArgs(['--nope'], SPECS), usage(/unknown option --nope/));
  assert.throws(() => parseArgs(['-x'], SPECS), usage(/unknown option -x/));
  assert.throws(() => parseArgs(['--num'], SPECS), usage(/--num needs a value/));
  assert.throws(() => parseArgs(['-n'], SPECS), usage(/-n needs a value/));
  assert.throws(() => parseArgs(['--tail=yes'], SPECS), usage(/takes no value/));
});

test('args: stopAfter passes the rest through untouched (berth run app ls -la)', () => {
  const stop = (p: { positionals: string[] }) => p.positionals.length >= 2;
  assert.deepEqual(parseArgs(['app', 'ls', '-la', '--tail'], SPECS, { stopAfter: stop }), { positionals: ['app', 'ls'], flags: {}, rest: ['-la', '--tail'] });
});

test('K=V: split at the first =, empty values allowed, bad names refused', () => {
  assert.deepEqual(parseConfigPair('A=1'), ['A', '1']);
  assert.deepEqual(parseConfigPair('URL=postgres://u:p@h/db?x=1'), ['URL', 'postgres://u:p@h/db?x=1']);
  assert.deepEqual(parseConfigPair('_EMPTY='), ['_EMPTY', '']);
  assert.throws(() => parseConfigPair('NOEQUALS'), usage(/"NOEQUALS" is not KEY=value/));
  for (const bad of ['1A=x', '=x', 'A-B=x', 'A B=x', 'É=x']) assert.throws(() => parseConfigPair(bad), usage(/invalid config var name/), bad);
});

test('type=N: whole numbers from 0 to 100, each type once', () => {
  assert.deepEqual(parseScaleSpec('web=2'), ['web', 2]);
  assert.deepEqual(parseScaleSpec('worker=0'), ['worker', 0]);
  assert.deepEqual(parseScaleSpec('web=100'), ['web', 100]);
  for (const bad of ['web=101', 'web=-1', 'web=1.5', 'web=', 'web=two', 'web', '=2', 'we b=1']) {
    assert.throws(() => parseScaleSpec(bad), usage(/TYPE=COUNT|from 0 to 100/), bad);
  }
  assert.deepEqual(parseFormation(['web=2', 'worker=1']), { web: 2, worker: 1 });
  assert.throws(() => parseFormation(['web=1', 'web=2']), usage(/given twice/));
});

test('release versions: v3 and 3, nothing else', () => {
  assert.equal(parseVersion('v3'), 3);
  assert.equal(parseVersion('12'), 12);
  for (const bad of ['v0', 'x', 'v', '3.1', '-1']) assert.throws(() => parseVersion(bad), usage(/is not a release/), bad);
});

test('table: aligned columns, upper-case headers, no trailing spaces, colour ignored', () => {
  const t = renderTable(['Name', 'Count', 'Note'], [['web.1', '3', ''], ['worker.10', '12', 'two\nlines'], ['\x1b[31mred\x1b[0m', '1', 'x']], { alignRight: [1] });
  assert.equal(t, [
    'NAME       COUNT  NOTE',
    'web.1          3',
    'worker.10     12  two↵lines',
    '\x1b[31mred\x1b[0m            1  x',
  ].join('\n'));
  assert.equal(renderKeyValues([['A', '1'], ['LONGER', 'two words'], ['E', '']]), 'A:      1\nLONGER: two words\nE:');
});

test('SSE: events split anywhere, CRLF, comments, multi-line data, named events', async () => {
  const text = ': ping\r\n\r\ndata: {"a":1}\n\nevent: exit\ndata: {"code":3}\n\ndata: one\ndata: two\n\ndata:x';
  const whole = new SseParser();
  const all = [...whole.feed(text), ...whole.flush()];
  assert.deepEqual(all, [
    { event: 'message', data: '{"a":1}' }, { event: 'exit', data: '{"code":3}' }, { event: 'message', data: 'one\ntwo' }, { event: 'message', data: 'x' },
  ]);
  // One character at a time gives the same events.
  const p = new SseParser();
  const bytewise = [...[...text].flatMap((c) => p.feed(c)), ...p.flush()];
  assert.deepEqual(bytewise, all);
  // A UTF-8 character split across chunks survives readSse's decoding.
  const bytes = new TextEncoder().encode('data: {"line":"héllo ✓"}\n\n');
  const body = new ReadableStream<Uint8Array>({
    start(c) { for (let i = 0; i < bytes.length; i += 3) c.enqueue(bytes.slice(i, i + 3)); c.close(); },
  });
  const events = [];
  for await (const ev of readSse(body)) events.push(JSON.parse(ev.data));
  assert.deepEqual(events, [{ line: 'héllo ✓' }]);
});

test('did-you-mean: typos, transpositions, prefixes and bare verbs', () => {
  assert.equal(editDistance('cofnig', 'config'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  const names = registry.commands.map((c) => c.name);
  assert.deepEqual(didYouMean('confg:set', names), ['config:set']);
  assert.deepEqual(didYouMean('cofnig', names), ['config']);
  assert.deepEqual(didYouMean('releses', names), ['releases']);
  assert.deepEqual(didYouMean('resource', names), ['resource:limit', 'resource:report']);
  assert.deepEqual(didYouMean('destory', names), ['apps:destroy', 'services:destroy']);
  assert.deepEqual(didYouMean('xyzzy', names), []);
  assert.deepEqual(registry.suggest('scael'), ['ps:scale']);
});

test('registry: every command has a summary and examples; names are namespace:verb', () => {
  for (const c of registry.commands) {
    // A verb may have a sub-verb, as Heroku's pg:backups:schedule (services:backups:schedule).
    assert.match(c.name, /^[a-z]+(:[a-z-]+){0,2}$/, c.name);
    assert.ok(c.summary && c.examples.length > 0, c.name);
  }
  for (const name of ['apps', 'apps:create', 'apps:info', 'apps:destroy', 'config', 'config:get', 'config:set', 'config:unset', 'releases', 'rollback',
    'ps', 'ps:scale', 'ps:restart', 'ps:stop', 'ps:start', 'logs', 'builds', 'builds:output', 'builds:cache-clear', 'run',
    'resource:limit', 'resource:report', 'domains', 'domains:add', 'domains:remove', 'login', 'logout', 'version', 'help']) {
    assert.ok(registry.find(name), name);
  }
});

test('URLs, git remotes, quoting and the human formats', () => {
  assert.equal(normalizeUrl('127.0.0.1:3000'), 'http://127.0.0.1:3000');
  assert.equal(normalizeUrl('https://berth.example.com/'), 'https://berth.example.com');
  assert.throws(() => normalizeUrl('ftp://x'), /not an http/);
  assert.equal(gitRemote('http://10.0.0.5:3000', 'my-app'), 'http://berth:<token>@10.0.0.5:3000/my-app.git');
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(duration(42), '42s');
  assert.equal(duration(300), '5m');
  assert.equal(duration(3 * 3600 + 125), '3h 2m');
  assert.equal(ago(Date.now() - 90_000), '1m 30s ago');
  assert.equal(ago(undefined), '');
  assert.equal(bytes(512 * 1024 ** 2), '512m');
  assert.equal(bytes(2 * 1024 ** 3), '2g');
  assert.equal(wrap('aaa bbb ccc', 7), 'aaa bbb\nccc');
});

test('CLI config: env wins, XDG_CONFIG_HOME honoured when absolute', () => {
  const c = loadCliConfig({ HOME: '/home/u', BERTH_URL: ' http://x:3000 ', BERTH_TOKEN: 't' });
  assert.equal(c.url, 'http://x:3000');
  assert.equal(c.token, 't');
  assert.equal(c.credentialsFile, path.join('/home/u', '.config/berth/credentials.json'));
  assert.equal(loadCliConfig({ HOME: '/home/u', XDG_CONFIG_HOME: '/cfg' }).credentialsFile, '/cfg/berth/credentials.json');
  assert.equal(loadCliConfig({ HOME: '/home/u', XDG_CONFIG_HOME: 'rel' }).credentialsFile, '/home/u/.config/berth/credentials.json');
  assert.equal(loadCliConfig({ HOME: '/h', BERTH_URL: '' }).url, undefined);
  assert.ok(Object.isFrozen(c));
});
