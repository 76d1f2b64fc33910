// Just enough tar for the buildpack runner: write small in-memory archives
// (the runner, the buildpacks, ENV_DIR) and read back the small one a build
// leaves in /berth/out. Big trees never pass through here: the source goes
// in as the host's `tar` output and the slug moves container to container
// as Docker's own tar streams.

export interface TarEntry {
  /** Relative path; directories without a trailing slash. */
  readonly name: string;
  readonly type: 'file' | 'dir' | 'symlink';
  readonly mode: number;
  readonly body?: Buffer;
  readonly linkname?: string;
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function splitName(name: string): [prefix: string, name: string] {
  if (Buffer.byteLength(name) <= 100) return ['', name];
  const cut = name.lastIndexOf('/', 155);
  if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar: path too long: ${name}`);
  return [name.slice(0, cut), name.slice(cut + 1)];
}

function header(e: TarEntry, uid: number, gid: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const [prefix, name] = splitName(e.type === 'dir' ? `${e.name}/` : e.name);
  h.write(name, 0, 100);
  h.write(octal(e.mode & 0o7777, 8), 100);
  h.write(octal(uid, 8), 108);
  h.write(octal(gid, 8), 116);
  h.write(octal(e.type === 'file' ? (e.body?.length ?? 0) : 0, 12), 124);
  h.write(octal(mtime, 12), 136);
  h.write(e.type === 'file' ? '0' : e.type === 'dir' ? '5' : '2', 156);
  if (e.linkname) h.write(e.linkname, 157, 100);
  h.write('ustar\0' + '00', 257);
  h.write(prefix, 345, 155);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148);
  return h;
}

/** A ustar archive of `entries`, every one owned by uid:gid. */
export function writeTar(entries: readonly TarEntry[], uid = 0, gid = 0): Buffer {
  const mtime = Math.floor(Date.now() / 1000);
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e, uid, gid, mtime));
    if (e.type === 'file' && e.body?.length) {
      parts.push(e.body, Buffer.alloc((BLOCK - (e.body.length % BLOCK)) % BLOCK));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function field(h: Buffer, start: number, len: number): string {
  const raw = h.subarray(start, start + len);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? len : end).toString('utf8');
}

function size(h: Buffer): number {
  // GNU base-256 for large sizes; octal otherwise.
  if ((h[124]! & 0x80) !== 0) return Number(h.subarray(125, 136).readBigUInt64BE(3));
  return parseInt(field(h, 124, 12).trim() || '0', 8);
}

function paxPath(body: Buffer): string | undefined {
  const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
  return m?.[1];
}

/** The regular files of a tar stream, by path (leading ./ dropped). */
export async function readTarFiles(stream: NodeJS.ReadableStream, maxBytes = 4 * 1024 * 1024): Promise<Map<string, Buffer>> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    total += c.length;
    if (total > maxBytes) throw new Error(`tar: more than ${maxBytes} bytes`);
    chunks.push(c);
  }
  const buf = Buffer.concat(chunks);
  const files = new Map<string, Buffer>();
  let longName: string | undefined;
  for (let i = 0; i + BLOCK <= buf.length;) {
    const h = buf.subarray(i, i + BLOCK);
    if (h.every((b) => b === 0)) break;
    const n = size(h);
    const body = buf.subarray(i + BLOCK, i + BLOCK + n);
    const type = String.fromCharCode(h[156]!);
    i += BLOCK + Math.ceil(n / BLOCK) * BLOCK;
    if (type === 'x') { longName = paxPath(body) ?? longName; continue; }
    if (type === 'L') { longName = field(body, 0, body.length); continue; }
    if (type === 'g') continue;
    const prefix = field(h, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = undefined;
    if (type === '0' || type === '\0') files.set(name.replace(/^\.\//, ''), Buffer.from(body));
  }
  return files;
}
