// A TCP relay in front of the API that a test can cut at any moment, as a
// flaky network or an idle proxy would, and that notes each request head's
// Last-Event-ID so a test can see a stream really resumed.
import net from 'node:net';

/** One request: its request line, the SSE `data:` fields sent back for it, and the event ids among them. */
export interface Relayed { path: string; dataEvents: number; ids: string[] }

export interface CutProxy {
  readonly port: number;
  /** Every request relayed, in order (keep-alive connections carry several). */
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
    // The request the upstream is answering now: a connection goes on to the
    // next request once an event stream has ended (no pipelining here).
    let seen: Relayed = { path: '', dataEvents: 0, ids: [] };
    let tail = '';
    upstream.on('data', (d: Buffer) => {
      const text = tail + d.toString('latin1');
      seen.dataEvents += text.split('\ndata: ').length - 1;
      // Ids are read once whole: the unfinished last line waits in `tail` for the next chunk.
      const cut = text.lastIndexOf('\n');
      for (const m of text.slice(0, cut + 1).matchAll(/(?:^|\n)id: ([^\n]+)\n/g)) seen.ids.push(m[1]!);
      tail = text.slice(cut + 1);
    });
    for (const s of [client, upstream]) { open.add(s); s.on('close', () => open.delete(s)); s.on('error', () => {}); }
    client.on('data', (d: Buffer) => {
      const head = d.toString('latin1');
      if (/^[A-Z]+ \/\S* HTTP\/1\.1\r\n/.test(head)) {
        seen = { path: head.split('\r\n', 1)[0] ?? '', dataEvents: 0, ids: [] };
        connections.push(seen);
        tail = '';
      }
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
    // Resolves even if a late connection keeps the listener's close pending: a test's after() must never hang on it.
    close: () => new Promise((resolve) => {
      for (const s of open) s.destroy();
      const timer = setTimeout(resolve, 2000);
      server.close(() => { clearTimeout(timer); resolve(); });
    }),
  };
}
