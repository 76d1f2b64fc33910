// Raw requests at the git endpoints, as a hostile or broken client sends
// them, and git's own request bodies built by hand (pkt-lines + a pack).
import { execFileSync } from 'node:child_process';
import http from 'node:http';

export interface RawReply { status: number; headers: http.IncomingHttpHeaders; body: Buffer; ms: number }
export type RawOutcome = RawReply | { closed: string; ms: number } | { timeout: true; ms: number };

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** A Buffer is sent at once; a function writes the body itself (and may never end it). */
  body?: Buffer | string | ((req: http.ClientRequest) => void);
  timeoutMs?: number;
}

export function rawRequest(port: number, r: RawRequest): Promise<RawOutcome> {
  const started = Date.now();
  const ms = () => Date.now() - started;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (o: RawOutcome) => { if (!settled) { settled = true; clearTimeout(timer); resolve(o); } };
    const req = http.request({ host: '127.0.0.1', port, method: r.method ?? 'POST', path: r.path, headers: r.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => settle({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: ms() }));
      res.on('error', (err) => settle({ closed: err.message, ms: ms() }));
      res.on('close', () => settle({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: ms() }));
    });
    const timer = setTimeout(() => { settle({ timeout: true, ms: ms() }); req.destroy(); }, r.timeoutMs ?? 10_000);
    req.on('error', (err) => settle({ closed: err.message, ms: ms() }));
    if (typeof r.body === 'function') r.body(req);
    else req.end(r.body);
  });
}

export const basic = (token: string) => `Basic ${Buffer.from(`berth:${token}`).toString('base64')}`;

export function pkt(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, '0')), b]);
}

/** A receive-pack body creating `ref` at the repo's HEAD commit, with a pack of everything it needs. */
export function pushBody(repo: string, ref: string, caps = 'report-status side-band-64k'): { body: Buffer; rev: string } {
  const rev = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  const pack = execFileSync('git', ['pack-objects', '--stdout', '--revs', '-q'], { cwd: repo, input: `${rev}\n`, maxBuffer: 256 * 1024 * 1024 });
  const zero = '0'.repeat(40);
  return { rev, body: Buffer.concat([pkt(`${zero} ${rev} ${ref}\0${caps}`), Buffer.from('0000'), pack]) };
}
