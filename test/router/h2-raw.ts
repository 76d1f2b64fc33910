// A raw HTTP/2 client over TLS for the abuse tests: it writes frames as told
// (more streams than the server allows, HEADERS and RST_STREAM in one write,
// PING floods) where node's and curl's clients would queue or refuse, and
// records every frame the server sends back. HPACK is literal-only (no
// dynamic table), which every server must accept.
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';

export const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8 } as const;
export const CODE = { NO_ERROR: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2, REFUSED_STREAM: 7, CANCEL: 8, ENHANCE_YOUR_CALM: 11 } as const;
const CODE_NAMES = new Map<number, string>(Object.entries(CODE).map(([k, v]) => [v, k]));
export const codeName = (code: number) => CODE_NAMES.get(code) ?? `code ${code}`;

export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly stream: number;
  readonly payload: Buffer;
}

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/** RFC 7541 §5.1 integer with an N-bit prefix. */
function hpackInt(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  let rest = value - max;
  while (rest >= 128) { out.push((rest % 128) + 128); rest = Math.floor(rest / 128); }
  out.push(rest);
  return out;
}

const str = (s: string) => { const b = Buffer.from(s, 'latin1'); return Buffer.concat([Buffer.from(hpackInt(b.length, 7, 0)), b]); };

/** Literal header fields without indexing, new names (RFC 7541 §6.2.2). */
export function hpack(fields: readonly (readonly [string, string])[]): Buffer {
  return Buffer.concat(fields.flatMap(([n, v]) => [Buffer.from([0]), str(n), str(v)]));
}

export const headersFrame = (stream: number, authority: string, path = '/', extra: readonly (readonly [string, string])[] = [], endStream = true): Buffer =>
  frame(FRAME.HEADERS, 0x4 | (endStream ? 0x1 : 0), stream, hpack([[':method', 'GET'], [':scheme', 'https'], [':path', path], [':authority', authority], ...extra]));
export const rstFrame = (stream: number, code: number = CODE.CANCEL): Buffer => { const p = Buffer.alloc(4); p.writeUInt32BE(code); return frame(FRAME.RST_STREAM, 0, stream, p); };
export const pingFrame = (): Buffer => frame(FRAME.PING, 0, 0, Buffer.alloc(8));
export const settingsFrame = (): Buffer => frame(FRAME.SETTINGS, 0, 0);

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export interface RawH2 {
  readonly socket: tls.TLSSocket;
  /** Every frame the server sent, in order. */
  readonly frames: Frame[];
  readonly closed: Promise<void>;
  isClosed(): boolean;
  write(...frames: Buffer[]): void;
  /** Resolves with the first frame (past or future) that matches, or undefined after `ms`. */
  waitFor(match: (f: Frame) => boolean, ms?: number): Promise<Frame | undefined>;
  /** The GOAWAY's error code, if one came. */
  goawayCode(): number | undefined;
  destroy(): void;
}

/** Connects with ALPN h2, sends the preface and an empty SETTINGS, and ACKs the server's SETTINGS. */
export function rawH2(port: number, servername: string): Promise<RawH2> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ALPNProtocols: ['h2'], rejectUnauthorized: false });
    const frames: Frame[] = [];
    let buf = Buffer.alloc(0);
    let isClosed = false;
    const closed = new Promise<void>((done) => socket.once('close', () => { isClosed = true; done(); }));
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        const f: Frame = { type: buf[3]!, flags: buf[4]!, stream: buf.readUInt32BE(5) & 0x7fffffff, payload: buf.subarray(9, 9 + len) };
        buf = buf.subarray(9 + len);
        frames.push(f);
        if (f.type === FRAME.SETTINGS && !(f.flags & 0x1) && !socket.destroyed) socket.write(frame(FRAME.SETTINGS, 0x1, 0));
      }
    });
    socket.once('secureConnect', () => {
      if (socket.alpnProtocol !== 'h2') return reject(new Error(`ALPN chose ${socket.alpnProtocol}, not h2`));
      socket.write(Buffer.concat([PREFACE, settingsFrame()]));
      resolve({
        socket, frames, closed,
        isClosed: () => isClosed,
        write: (...fs) => { if (!socket.destroyed) socket.write(Buffer.concat(fs)); },
        async waitFor(match, ms = 5000) {
          const deadline = Date.now() + ms;
          for (;;) {
            const found = frames.find(match);
            if (found || Date.now() > deadline) return found;
            await sleep(20);
          }
        },
        goawayCode() {
          const g = frames.find((f) => f.type === FRAME.GOAWAY);
          return g ? g.payload.readUInt32BE(4) : undefined;
        },
        destroy: () => socket.destroy(),
      });
    });
    socket.once('error', reject);
  });
}
