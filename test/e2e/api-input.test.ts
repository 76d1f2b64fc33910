// Strict input on the REST API, against a real deployed app: every bad body,
// field, type or media type gets a clear 4xx, and nothing changes — no new
// release, the same config, domains and formation, the same containers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { commitFile, push, sampleRepo } from '../helpers/git.js';
import { labelledContainers, removeAppObjects } from '../helpers/docker.js';
import { api } from '../helpers/api.js';
import net from 'node:net';

const appName = () => `t-${randomBytes(4).toString('hex')}`;

describe('API input strictness', () => {
  let berth: Berth;
  const app = appName();
  const apps = [app];
  const call = (method: string, p: string, body?: unknown) => api(berth.apiPort, berth.token, method, p, body);

  /** A request with a body sent exactly as given. */
  async function raw(method: string, p: string, body: string | Blob | undefined, headers: Record<string, string> = {}) {
    const res = await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1${p}`, {
      method, body, headers: { authorization: `Bearer ${berth.token}`, ...headers },
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  const json = { 'content-type': 'application/json' };

  /** Everything a bad request must leave alone. */
  async function state() {
    const [releases, config, domains, ps, resources, apps] = await Promise.all([
      call('GET', `/apps/${app}/releases`), call('GET', `/apps/${app}/config`), call('GET', `/apps/${app}/domains`),
      call('GET', `/apps/${app}/ps`), call('GET', `/apps/${app}/resources`), call('GET', '/apps'),
    ]);
    return {
      releases: releases.body.releases.map((r: { version: number }) => r.version),
      config: config.body.config,
      domains: domains.body,
      formation: ps.body.formation,
      resources: resources.body,
      apps: apps.body.apps.map((a: { name: string }) => a.name).sort(),
      containers: labelledContainers(app, false).sort(),
    };
  }

  /** Sends a bad request and checks its status, its message, and that nothing changed. */
  async function refused(send: () => Promise<{ status: number; body: any }>, status: number, message: RegExp) {
    const before = await state();
    const res = await send();
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.match(res.body?.error?.message ?? '', message, JSON.stringify(res.body));
    assert.deepEqual(await state(), before);
    return res;
  }

  before(async () => {
    // No watch after go-live: v1 would stand by for its 60 s, and the inputs below want one settled container.
    berth = await startBerth({ BERTH_API_BODY_TIMEOUT_SEC: '2', BERTH_API_HEADERS_TIMEOUT_SEC: '2', BERTH_WATCH_SEC: '0' });
    const repo = await sampleRepo('dockerfile-hello');
    await commitFile(repo, 'Procfile', 'web: python3 /app/server.py\n');
    const res = await push(repo, berth.remote(app));
    assert.equal(res.code, 0, res.output);
    const set = await call('PUT', `/apps/${app}/config`, { vars: { GREETING: 'hola' } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    // v1's container drains and stops in the background: wait for it.
    for (let i = 0; i < 200 && labelledContainers(app, false).length !== 1; i++) await sleep(100);
    assert.equal(labelledContainers(app, false).length, 1);
  });
  after(async () => {
    await berth?.destroy();
    removeAppObjects(apps);
  });

  test('config:set takes only a JSON boolean for restart', async () => {
    for (const restart of ['no', 'false', 0, null, {}]) {
      await refused(() => call('PUT', `/apps/${app}/config`, { vars: { GREETING: 'adios' }, restart }), 400, /"restart" must be true or false/);
    }
  });

  test('config:unset takes only true, false, 1 or 0 for ?restart=', async () => {
    for (const q of ['restart=no', 'restart=', 'restart=yes', 'restart=1&restart=0']) {
      await refused(() => call('DELETE', `/apps/${app}/config?keys=GREETING&${q}`), 400, /\?restart= must be true, false, 1 or 0/);
    }
  });

  test('config keys that name object machinery are refused, and no empty release is made', async () => {
    await refused(() => raw('PUT', `/apps/${app}/config`, '{"vars":{"__proto__":"x"}}', json), 400, /__proto__/);
    await refused(() => raw('PUT', `/apps/${app}/config`, '{"vars":{"A":"1"},"__proto__":{"restart":false}}', json), 400, /__proto__/);
    for (const key of ['constructor', 'prototype']) {
      await refused(() => call('PUT', `/apps/${app}/config`, { vars: { [key]: 'x' } }), 400, new RegExp(`"${key}" cannot be a config var name`));
    }
    const got = await call('GET', `/apps/${app}/config/constructor`);
    assert.equal(got.status, 404, JSON.stringify(got.body));
    await refused(() => call('PUT', `/apps/${app}/config`, { vars: {} }), 400, /at least one var/);
  });

  test('config values and keys of the wrong type or size get clear 400s', async () => {
    const cases: [unknown, RegExp][] = [
      [{ N: 4 }, /value of N must be a string, not a number/],
      [{ O: { a: 1 } }, /value of O must be a string, not an object/],
      [{ Z: null }, /value of Z must be a string, not null/],
      [{ NUL: 'a\u0000b' }, /NUL character/],
      [{ 'BAD\nKEY': 'x' }, /invalid config var name/],
      [{ '1ST': 'x' }, /invalid config var name/],
      [{ BIG: 'x'.repeat(32 * 1024 + 1) }, /larger than 32 KiB/],
      [{ [`K${'x'.repeat(256)}`]: 'x' }, /longer than 256 characters/],
      [Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`V${i}`, 'x'.repeat(31 * 1024)])), /more than the limit of 256 KiB/],
      ['A=1', /expected \{ "vars"/],
    ];
    for (const [vars, message] of cases) await refused(() => call('PUT', `/apps/${app}/config`, { vars }), 400, message);
    await refused(() => raw('PUT', `/apps/${app}/config`, '{"vars":{"S":"\\ud800"}}', json), 400, /not valid Unicode/);
  });

  test('unknown fields are refused by name on every route', async () => {
    const cases: [string, string, unknown][] = [
      ['PUT', `/apps/${app}/config`, { vars: { GREETING: 'adios' }, restrat: false }],
      ['POST', '/apps', { name: appName(), region: 'eu' }],
      ['PUT', `/apps/${app}/formation`, { formation: { web: 2 }, size: 'large' }],
      ['POST', `/apps/${app}/ps/restart`, { type: 'web', force: true }],
      ['POST', `/apps/${app}/domains`, { hostname: 'www.example.test', wildcard: true }],
      ['PUT', `/apps/${app}/certs`, { cert: 'x', key: 'y', chain: 'z' }],
      ['PUT', `/apps/${app}/certs/redirect`, { enabled: false, code: 301 }],
      ['PUT', `/apps/${app}/resources`, { memory: '256m', cpu: 1 }],
      ['POST', `/apps/${app}/rollback`, { version: 1, force: true }],
      ['POST', `/apps/${app}/run`, { command: 'true', tty: true }],
      ['POST', `/apps/${app}/ps/stop`, { type: 'web' }],
    ];
    for (const [method, p, body] of cases) {
      const field = Object.keys(body as object).at(-1)!;
      await refused(() => call(method, p, body), 400, new RegExp(`unknown field "${field}"`));
    }
  });

  test('fields of the wrong type and bodies that are not objects get 400s', async () => {
    await refused(() => call('POST', `/apps/${app}/run`, { command: 'true', detach: 'yes' }), 400, /"detach" must be true or false/);
    await refused(() => call('POST', `/apps/${app}/ps/restart`, { type: 7 }), 400, /"type" must be a string/);
    await refused(() => call('PUT', `/apps/${app}/formation`, { formation: { constructor: 1 } }), 400, /no process type "constructor"/);
    await refused(() => call('PUT', `/apps/${app}/config`, [{ vars: { A: '1' } }]), 400, /must be a JSON object/);
    await refused(() => raw('PUT', `/apps/${app}/config`, '"A=1"', json), 400, /must be a JSON object/);
    await refused(() => raw('PUT', `/apps/${app}/config`, '{"vars":', json), 400, /not valid JSON/);
  });

  test('only application/json bodies are taken; anything else is a 415', async () => {
    const body = JSON.stringify({ vars: { GREETING: 'adios' }, restart: false });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/jsonx']) {
      await refused(() => raw('PUT', `/apps/${app}/config`, body, { 'content-type': type }), 415, /Content-Type: application\/json/);
    }
    // A Blob body without a type, unlike a string, makes fetch send no Content-Type at all.
    await refused(() => raw('PUT', `/apps/${app}/config`, new Blob([body]), {}), 415, /no Content-Type/);
    await refused(() => raw('POST', '/apps', JSON.stringify({ name: appName() }), { 'content-type': 'text/plain' }), 415, /application\/json/);
    // With a charset it is still JSON.
    const ok = await raw('PUT', `/apps/${app}/config`, body, { 'content-type': 'application/json; charset=UTF-8' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.config.GREETING, 'adios');
  });

  test('a valid config:set with restart false still works and does not restart', async () => {
    const before = await state();
    const res = await call('PUT', `/apps/${app}/config`, { vars: { OTHER: 'x' }, restart: false });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const after = await state();
    assert.equal(after.releases.length, before.releases.length + 1);
    assert.deepEqual(after.containers, before.containers);
    const unset = await call('DELETE', `/apps/${app}/config?keys=OTHER&restart=0`);
    assert.equal(unset.status, 200, JSON.stringify(unset.body));
    assert.deepEqual(labelledContainers(app, false).sort(), before.containers);
  });

  /** Writes `data` on a raw socket, then waits for the server's answer or close (at most `ms`). */
  function stall(data: string, ms: number): Promise<{ text: string; closedAfterMs: number }> {
    return new Promise((resolve) => {
      const started = Date.now();
      let text = '';
      const s = net.connect(berth.apiPort, '127.0.0.1', () => s.write(data));
      s.setEncoding('utf8');
      s.on('data', (d) => { text += d; });
      const done = () => { clearTimeout(t); resolve({ text, closedAfterMs: Date.now() - started }); };
      s.on('close', done);
      s.on('error', () => {});
      const t = setTimeout(() => { s.destroy(); }, ms);
    });
  }

  test('a body that never arrives gets a 408 at the deadline and the connection is closed; nothing changes', async () => {
    const before = await state();
    const head = `PUT /api/v1/apps/${app}/config HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${berth.token}\r\n`
      + 'Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{"vars":{"GREETING":';
    const r = await stall(head, 10_000);
    assert.match(r.text, /^HTTP\/1\.1 408 /, r.text);
    assert.match(r.text, /did not arrive within 2 s/);
    assert.ok(r.closedAfterMs < 8000, `closed after ${r.closedAfterMs} ms`);
    assert.deepEqual(await state(), before);
  });

  test('a request head that never ends is cut at the head deadline', async () => {
    const r = await stall(`GET /api/v1/apps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${berth.token}\r\nX-Slow: `, 15_000);
    assert.ok(r.closedAfterMs < 10_000, `closed after ${r.closedAfterMs} ms`);
  });
});
