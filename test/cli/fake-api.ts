// A tiny node:http stand-in for the API, only for the CLI's own formatting
// and flags (the real server is covered end to end). Routes answer canned
// JSON or SSE; every request is recorded so tests can check what was sent.
import http from 'node:http';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { runCli } from '../../src/cli/index.js';

export interface Seen { method: string; url: string; auth?: string; body?: any }
export type Handler = (req: Seen, res: http.ServerResponse) => void;

export interface FakeApi {
  readonly url: string;
  readonly seen: Seen[];
  route(method: string, path: string, handler: Handler | object, status?: number): void;
  close(): Promise<void>;
}

export async function fakeApi(): Promise<FakeApi> {
  const routes = new Map<string, Handler>();
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d) => { text += d; });
    req.on('end', () => {
      const s: Seen = { method: req.method!, url: req.url!, auth: req.headers.authorization, body: text ? JSON.parse(text) : undefined };
      seen.push(s);
      const pathOnly = req.url!.split('?')[0]!;
      const h = routes.get(`${req.method} ${pathOnly}`);
      if (!h) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'not_found', message: `no route ${req.method} ${pathOnly}` } }));
        return;
      }
      h(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    route(method, path, handler, status = 200) {
      routes.set(`${method} /api/v1${path}`, typeof handler === 'function' ? handler as Handler : (_req, res) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(handler));
      });
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** Writes an SSE stream: each item is `[event, data]` or just data. */
export function sseReply(res: http.ServerResponse, items: (unknown | [string, unknown])[], keepOpen = false): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(': ping\n\n');
  for (const it of items) {
    const [event, data] = Array.isArray(it) && typeof it[0] === 'string' && it.length === 2 ? it as [string, unknown] : [undefined, it];
    res.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
  }
  if (!keepOpen) res.end();
}

export interface CliResult { code: number; stdout: string; stderr: string }

/** Runs the CLI in this process against `url`, capturing its output. */
/** A data dir with no admin token: no test talks to this machine's own Berth by accident. */
export const NO_INSTALL = '/nonexistent/berth-test-no-install';

export async function cli(
  argv: string[], env: Record<string, string | undefined>,
  opts: { tty?: boolean; onInterrupt?: (stop: () => void) => () => void } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => { stdout += s; return true; }, isTTY: opts.tty ?? false },
    stderr: { write: (s: string) => { stderr += s; return true; }, isTTY: opts.tty ?? false },
    stdin: Readable.from([]) as NodeJS.ReadableStream,
    // Tests run as root, and the CLI's root fallback would find a real
    // install's /var/lib/berth on this machine: point it at nothing.
    env: { BERTH_DATA_DIR: NO_INSTALL, ...env },
  };
  const code = await runCli(argv, io, { onInterrupt: opts.onInterrupt });
  return { code, stdout, stderr };
}
