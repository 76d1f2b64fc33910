// A TCP relay in front of the API that a test can cut at any moment, as a
// flaky network or an idle proxy would, and that notes each request head's
// Last-Event-ID so a test can see a stream really resumed.
import net from 'node:net';

/** One connection: its last request line, and the SSE `data:` fields sent back on it. */
export interface Relayed { path: string; dataEvents: number }

export interface CutProxy {
  readonly port: number;
  readonly connections: Relayed[];
  /** Destroys every open connection (both sides). */
  cut(): number;
  /** Last-Event-ID values seen in request heads, in order. */
  readonly resumedFrom: string[];
  close(): Promise<void>;
}

export async function startCutProxy(targetPort: number): Promise<CutProxy> {
  const open = new Set<net.Socket>();
  const resumedFrom: string[] = [];
  const connections: Relayed[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const seen: Relayed = { path: '', dataEvents: 0 };
    connections.push(seen);
    let tail = '';
    upstream.on('data', (d: Buffer) => {
      const text = tail + d.toString('latin1');
      seen.dataEvents += text.split('\ndata: ').length - 1;
      tail = text.slice(-7);
    });
    for (const s of [client, upstream]) { open.add(s); s.on('close', () => open.delete(s)); s.on('error', () => {}); }
    client.on('data', (d: Buffer) => {
      const head = d.toString('latin1');
      // Keep-alive: the last request on a connection is the one an event stream holds.
      if (/^[A-Z]+ \/\S* HTTP\/1\.1\r\n/.test(head)) seen.path = head.split('\r\n', 1)[0] ?? '';
      const m = /\r\nlast-event-id: *([^\r\n]+)/i.exec(head);
      if (m) resumedFrom.push(m[1]!);
    });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() { const n = open.size; for (const s of open) s.destroy(); return n; },
    resumedFrom,
    connections,
    close: () => new Promise((resolve) => { for (const s of open) s.destroy(); server.close(() => resolve()); }),
  };
}
