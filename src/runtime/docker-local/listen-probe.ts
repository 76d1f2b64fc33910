// For a web process that never listened on $PORT: what it listens on
// instead, read from the kernel's socket tables inside the container. The
// usual mistake is 127.0.0.1 (unreachable from the router) or a port of its
// own. Best effort: an image without `cat` just gets no diagnosis.
import { PassThrough } from 'node:stream';
import type { Docker } from '../../docker/client.js';

const LISTEN = '0A';
// Docker's embedded DNS listens inside every container on a user network.
const DOCKER_DNS = '127.0.0.11';
// docker exec can take seconds on a loaded host.
const PROBE_TIMEOUT_MS = 15_000;

function hexToIp(hex: string): string {
  if (hex.length === 8) return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  if (/^0+$/.test(hex)) return '[::]';
  if (hex === '00000000000000000000000001000000') return '[::1]';
  return `[${hex}]`;
}

/** Listening `addr:port`s from /proc/net/tcp{,6} text. */
export function parseListening(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] !== LISTEN || !f[1]?.includes(':')) continue;
    const [ip, port] = f[1].split(':') as [string, string];
    const addr = hexToIp(ip);
    if (addr !== DOCKER_DNS) out.add(`${addr}:${parseInt(port, 16)}`);
  }
  return [...out];
}

/** undefined: the tables could not be read (no `cat`, or no answer in time). */
export async function listeningAddresses(docker: Docker, id: string): Promise<string[] | undefined> {
  const container = docker.getContainer(id);
  try {
    const exec = await container.exec({ Cmd: ['cat', '/proc/net/tcp', '/proc/net/tcp6'], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => { if (text.length < 1 << 20) text += d.toString('utf8'); });
    container.modem.demuxStream(stream, out, new PassThrough());
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { stream.destroy(); resolve(); }, PROBE_TIMEOUT_MS);
      const done = () => { clearTimeout(timer); resolve(); };
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
    });
    return text.includes('local_address') ? parseListening(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The hint for a process that never listened on `port`. */
export function portHint(port: number, listening: readonly string[] | undefined): string {
  const bind = `make the app bind 0.0.0.0:$PORT (PORT=${port} is in its environment), not 127.0.0.1 or a port of its own`;
  if (listening === undefined) return bind;
  if (listening.length === 0) return `${bind}; it listens on no TCP port yet`;
  return `${bind}; it listens on ${listening.join(', ')} instead`;
}
