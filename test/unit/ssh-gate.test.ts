// The SSH gate's rules on plain TCP (src/git/ssh-gate.ts), the descriptor
// budget (fd-budget.ts) and the router supervisor's pid check
// (router-pid.ts). The gate hands sockets to a stand-in for ssh2 here;
// test/reliability/ssh-exhaustion.test.ts runs the same paths with ssh2 in
// a real server.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSshGate, type SshGate } from '../../src/git/ssh-gate.js';
import { fdBudget, openFilesLimit } from '../../src/git/fd-budget.js';
import { isRouterProcess } from '../../src/main/router-pid.js';

const BOUNDS = { versionTimeoutMs: 300, authTimeoutMs: 600, maxUnauthenticated: 4, maxUnauthenticatedPerSource: 2, maxPreAuthBytes: 16 * 1024, fdReserve: 64 };
let gate: SshGate | undefined;
const clients: net.Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await new Promise<void>((resolve) => (gate ? gate.server.close(() => resolve()) : resolve()));
  gate = undefined;
});

/** A gate whose "ssh2" resumes the socket and reads nothing; `onInject` sees each socket let in. */
async function listen(bounds = BOUNDS, budget = fdBudget(bounds.fdReserve, Infinity), onInject: (s: net.Socket) => void = () => {}): Promise<number> {
  gate = createSshGate(bounds, (s) => { s.pause(); onInject(s); setImmediate(() => s.resume()); }, budget);
  await new Promise<void>((resolve) => gate!.server.listen(0, '127.0.0.1', resolve));
  return (gate.server.address() as net.AddressInfo).port;
}

/** Connects and resolves when the server closes the connection, with how long it was open (or 'open' after waitMs). */
function connect(port: number, localAddress = '127.0.0.1', waitMs = 3000): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const started = Date.now();
    const sock = net.connect({ port, host: '127.0.0.1', localAddress });
    clients.push(sock);
    sock.on('error', () => {});
    sock.on('close', () => resolve(Date.now() - started));
    setTimeout(() => resolve('open'), waitMs).unref();
  });
}

test('a silent connection is closed by the version deadline, counted from accept', async () => {
  const port = await listen();
  const open = await connect(port);
  assert.ok(open !== 'open' && open >= 250 && open < 2000, `open ${open} ms`);
  await sleep(100); // the server's 'close' may come after the client's
  assert.equal(gate!.pending(), 0);
});

test('past the version line, the authentication deadline still runs from accept', async () => {
  const port = await listen(BOUNDS, undefined, (s) => gate!.versionSeen(s));
  const open = await connect(port);
  assert.ok(open !== 'open' && open >= 550 && open < 2500, `open ${open} ms`);
});

test('an authenticated connection is no longer bounded', async () => {
  const port = await listen(BOUNDS, undefined, (s) => gate!.authenticated(s));
  assert.equal(await connect(port, '127.0.0.1', 1200), 'open');
});

test('unauthenticated connections are capped per source address and in total; refused ones close at once', async () => {
  const port = await listen({ ...BOUNDS, versionTimeoutMs: 5000, authTimeoutMs: 5000 });
  const first = [connect(port, '127.0.0.1', 1000), connect(port, '127.0.0.1', 1000)];
  await sleep(100);
  const third = await connect(port, '127.0.0.1', 1000);
  assert.ok(third !== 'open' && third < 500, 'a third from one source is refused');
  const others = [connect(port, '127.0.0.2', 1000), connect(port, '127.0.0.3', 1000)];
  await sleep(100);
  assert.equal(gate!.pending(), 4);
  const fifth = await connect(port, '127.0.0.4', 1000);
  assert.ok(fifth !== 'open' && fifth < 500, 'a fifth in total is refused');
  assert.deepEqual(await Promise.all([...first, ...others]), ['open', 'open', 'open', 'open']);
});

test('more bytes than maxPreAuthBytes before authentication: the socket is destroyed, not half-closed', async () => {
  const port = await listen({ ...BOUNDS, versionTimeoutMs: 5000, authTimeoutMs: 5000 });
  const sock = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  clients.push(sock);
  const how = await new Promise<string>((resolve) => {
    sock.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    sock.on('close', () => resolve('closed'));
    const chunk = Buffer.alloc(8192);
    const pump = () => { while (sock.write(chunk)) if (sock.bytesWritten > 32 * 1024 * 1024) return resolve('still reading'); sock.once('drain', pump); };
    sock.on('connect', pump);
  });
  assert.notEqual(how, 'still reading');
  assert.ok(sock.bytesWritten < 16 * 1024 * 1024, `${sock.bytesWritten} bytes taken`);
});

test('within fdReserve of the descriptor limit, connections are refused and the log says so once', async () => {
  let fds = 900;
  const budget = fdBudget(64, 1000, () => fds);
  const lines: string[] = [];
  const orig = console.error;
  console.error = (line: string) => { lines.push(line); };
  try {
    const port = await listen(BOUNDS, budget);
    await sleep(300); // a fresh sample
    fds = 990;
    await sleep(300);
    const r = await Promise.all([connect(port, '127.0.0.1', 800), connect(port, '127.0.0.2', 800)]);
    assert.ok(r.every((x) => x !== 'open' && x < 500), JSON.stringify(r));
    assert.equal(lines.filter((l) => /refusing new connections: \d+ of 1000 descriptors open, keeping 64/.test(l)).length, 1, lines.join('\n'));
  } finally {
    console.error = orig;
  }
});

test('fd budget: counts between samples, a failed count means full, no /proc means no budget', () => {
  let n = 100;
  const b = fdBudget(10, 120, () => n);
  assert.equal(b.hasRoom(), true);
  for (let i = 0; i < 9; i++) b.opened();
  assert.equal(b.hasRoom(), true);
  b.opened();
  assert.equal(b.hasRoom(), false);
  b.closed();
  assert.equal(b.hasRoom(), true);
  const broken = fdBudget(10, 120, () => { throw Object.assign(new Error('EMFILE'), { code: 'EMFILE' }); });
  assert.equal(broken.hasRoom(), false);
  assert.equal(fdBudget(10, Infinity, () => { throw new Error('never asked'); }).hasRoom(), true);
  assert.equal(openFilesLimit('Limit  Soft Limit  Hard Limit  Units\nMax open files            4096                 8192                 files\n'), 4096);
  assert.equal(openFilesLimit('Max open files            unlimited            unlimited            files\n'), Infinity);
});

test('router supervisor: a /proc read that fails for want of descriptors does not make a live pid gone', () => {
  const emfile = () => { throw Object.assign(new Error('too many open files'), { code: 'EMFILE' }); };
  const enoent = () => { throw Object.assign(new Error('no such file'), { code: 'ENOENT' }); };
  assert.equal(isRouterProcess(process.pid, emfile), true);
  assert.equal(isRouterProcess(process.pid, enoent), false);
  // A pid no process has: gone, whatever /proc says.
  assert.equal(isRouterProcess(2 ** 22 + 1, emfile), false);
  assert.equal(isRouterProcess(process.pid, (f) => (f.endsWith('stat') ? '1 (node) S 0' : 'node\0x\0server\0--role\0router\0')), true);
});
