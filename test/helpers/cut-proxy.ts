// A TCP relay in front of the API that a test can cut at any moment, as a
// flaky network or an idle proxy would, and that notes each request head's
// Last-Event-ID so a test can see a stream really resumed.
import net from 'node:net';

export interface CutProxy {
  readonly port: number;
  /** Destroys every open connection (both sides). */
  cut(): number;
  /** Last-Event-ID values seen in request heads, in order. */
  readonly resumedFrom: string[];
  close(): Promise<void>;
}

export async function startCutProxy(targetPort: number): Promise<CutProxy> {
  const open = new Set<net.Socket>();
  const resumedFrom: string[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) { open.add(s); s.on('close', () => open.delete(s)); s.on('error', () => {}); }
    client.on('data', (d: Buffer) => {
      const m = /\r\nlast-event-id: *([^\r\n]+)/i.exec(d.toString('latin1'));
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
    close: () => new Promise((resolve) => { for (const s of open) s.destroy(); server.close(() => resolve()); }),
  };
}
