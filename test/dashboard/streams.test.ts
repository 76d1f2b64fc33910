// The dashboard's live streams on the server: however many clients tail one
// app's logs or watch the app states, Berth holds one Redis connection for
// each (a shared follower, a shared subscription), and a client that resumes
// with Last-Event-ID from the shared ring gets every line after it once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type Berth } from '../helpers/berth.js';
import { api } from '../helpers/api.js';
import { attachRedis } from '../../src/store/routes.js';
import { appendAppLog } from '../../src/store/app-logs.js';
import type { RedisHandle } from '../../src/store/redis.js';

const APP = 'streams';

interface Tail { readonly events: { id: string; data: any; event: string }[]; readonly abort: AbortController }

/** Reads an SSE stream into `events` until aborted. */
async function open(port: number, token: string, p: string, lastId?: string): Promise<Tail> {
  const abort = new AbortController();
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${p}`, { headers: { authorization: `Bearer ${token}`, ...(lastId ? { 'last-event-id': lastId } : {}) }, signal: abort.signal });
  assert.equal(res.status, 200);
  const tail: Tail = { events: [], abort };
  void (async () => {
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += Buffer.from(chunk).toString();
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut); buf = buf.slice(cut + 2);
        const field = (k: string) => block.split('\n').find((l) => l.startsWith(`${k}: `))?.slice(k.length + 2);
        const data = field('data');
        if (data) tail.events.push({ id: field('id') ?? '', event: field('event') ?? 'message', data: JSON.parse(data) });
      }
    }
  })().catch(() => undefined);
  return tail;
}

const lineTexts = (t: Tail) => t.events.flatMap((e) => (e.event === 'lines' ? e.data.lines.map((l: string[]) => l[3]) : e.event === 'message' ? [e.data.line] : []));

describe('shared live streams', () => {
  let berth: Berth;
  let redis: RedisHandle;
  const clients = async () => String(await redis.client.client('LIST')).trim().split('\n').length;
  const write = (from: number, n: number) => appendAppLog(redis, APP, Array.from({ length: n }, (_, i) => ({ time: new Date().toISOString(), process: 'web.1', line: `line ${from + i}` })), 10_000);
  const until = async (what: string, ok: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 300; i++) { if (await ok()) return; await sleep(100); }
    assert.fail(`timed out waiting for ${what}`);
  };

  before(async () => {
    berth = await startBerth();
    redis = await attachRedis({ path: path.join(berth.dataDir, 'redis', 'redis.sock'), maxRetriesPerRequest: null }, berth.env.BERTH_REDIS_PREFIX!);
    assert.equal((await api(berth.apiPort, berth.token, 'POST', '/apps', { name: APP })).status, 201);
    await write(0, 10);
  });
  after(async () => { await redis?.close(); await berth?.destroy(); });

  test('five log tails and five status watchers of one app hold one Redis connection each, and all get every line', async () => {
    await sleep(500);
    const idle = await clients();
    const tails: Tail[] = [];
    for (let i = 0; i < 5; i++) tails.push(await open(berth.apiPort, berth.token, `/apps/${APP}/logs?tail=1&batch=1&n=5`));
    const watchers: Tail[] = [];
    for (let i = 0; i < 5; i++) watchers.push(await open(berth.apiPort, berth.token, '/status/stream'));
    await until('every backlog', () => tails.every((t) => lineTexts(t).length === 5) && watchers.every((w) => w.events.length > 0));
    await write(10, 20);
    await until('the new lines on every tail', () => tails.every((t) => lineTexts(t).length === 25));
    for (const t of tails) assert.deepEqual(lineTexts(t), Array.from({ length: 25 }, (_, i) => `line ${5 + i}`));
    // One follower (XREAD) for the five tails, one subscriber for the five watchers.
    assert.equal(await clients() - idle, 2, `Redis connections added by 10 clients: ${await clients() - idle}`);
    for (const c of [...tails, ...watchers]) c.abort.abort();
    await until('the shared connections to close with their last client', async () => (await clients()) === idle);
  });

  test('a tail that resumes with Last-Event-ID gets each later line once, from the shared follower or on its own', async () => {
    const first = await open(berth.apiPort, berth.token, `/apps/${APP}/logs?tail=1&batch=1&n=1`);
    await write(30, 5);
    await until('5 lines', () => lineTexts(first).length === 6);
    const cut = first.events.filter((e) => e.id).at(-1)!;
    const seen = lineTexts(first);
    await write(35, 5);
    // Resumes while the shared follower (kept open by `first`) holds the missed lines in its ring.
    const resumed = await open(berth.apiPort, berth.token, `/apps/${APP}/logs?tail=1&batch=1&n=1`, cut.id);
    await write(40, 5);
    await until('the resumed tail to catch up', () => lineTexts(resumed).length >= 10);
    await sleep(300);
    const after = lineTexts(resumed);
    assert.deepEqual(after, Array.from({ length: 10 }, (_, i) => `line ${35 + i}`), 'no line lost or repeated');
    assert.equal(seen.at(-1), 'line 34');
    first.abort.abort(); resumed.abort.abort();
  });
});
