// The SSH listener's gate: a net.Server of Berth's own accepts each TCP
// connection before ssh2 sees a byte, so it can be counted, timed and
// capped from the first byte.
//   accept -> descriptor reserve left? -> under the unauthenticated caps
//   (total, per source address)? -> deadlines start (version line, then
//   authentication, both from accept) -> bytes counted until authenticated
//   -> handed to ssh2 (injectSocket)
// Every refusal and every error destroys the socket at once: a socket that
// is only half-closed keeps reading, which is how one client once grew the
// server by a gigabyte.
import net from 'node:net';
import type { BerthConfig } from '../config/index.js';
import { fdBudget, type FdBudget } from './fd-budget.js';

type Bounds = BerthConfig['sshGate'];

interface Pending {
  readonly source: string;
  bytes: number;
  versionTimer: NodeJS.Timeout | undefined;
  authTimer: NodeJS.Timeout;
  onData: (chunk: Buffer) => void;
}

export interface SshGate {
  readonly server: net.Server;
  /** This process's descriptor limit (Infinity where unknown). */
  readonly fdLimit: number;
  /** ssh2 parsed the client's version line. */
  versionSeen(sock: net.Socket): void;
  /** The client authenticated: its bounds are lifted. */
  authenticated(sock: net.Socket): void;
  /** Unauthenticated connections held now. */
  pending(): number;
}

export const sourceOf = (sock: net.Socket): string => (sock.remoteAddress ?? '?').replace(/^::ffff:/, '');

/** Logs a state change once, not once per refused connection. */
function onceLogger(): (state: string | undefined) => void {
  let last: string | undefined;
  return (state) => {
    if (state === last) return;
    if (state) console.error(` !     ssh: ${state}`);
    else if (last) console.log('berth: ssh: accepting connections again');
    last = state;
  };
}

export function createSshGate(bounds: Bounds, inject: (sock: net.Socket) => void, budget: FdBudget = fdBudget(bounds.fdReserve)): SshGate {
  const held = new Map<net.Socket, Pending>();
  const perSource = new Map<string, number>();
  const log = onceLogger();

  const release = (sock: net.Socket): void => {
    const p = held.get(sock);
    if (!p) return;
    held.delete(sock);
    clearTimeout(p.versionTimer);
    clearTimeout(p.authTimer);
    sock.off('data', p.onData);
    const n = (perSource.get(p.source) ?? 1) - 1;
    if (n > 0) perSource.set(p.source, n); else perSource.delete(p.source);
  };

  const refusal = (source: string): string | undefined => {
    if (!budget.hasRoom()) {
      return `refusing new connections: ${budget.inUse()} of ${budget.limit} descriptors open, keeping ${bounds.fdReserve} for Docker, Redis and the API (raise LimitNOFILE / ulimit -n)`;
    }
    if (held.size >= bounds.maxUnauthenticated) return `refusing new connections: ${held.size} unauthenticated connections held (BERTH_SSH_MAX_UNAUTHENTICATED)`;
    if ((perSource.get(source) ?? 0) >= bounds.maxUnauthenticatedPerSource) return undefined; // one noisy source is not news
    return '';
  };

  const server = net.createServer({ pauseOnConnect: true }, (sock) => {
    const source = sourceOf(sock);
    const verdict = refusal(source);
    if (verdict !== '') {
      if (verdict) log(verdict);
      sock.destroy();
      return;
    }
    log(undefined);
    budget.opened();
    sock.once('close', () => { budget.closed(); release(sock); });
    sock.on('error', () => sock.destroy());
    const cut = () => sock.destroy();
    const p: Pending = {
      source, bytes: 0,
      versionTimer: setTimeout(cut, bounds.versionTimeoutMs),
      authTimer: setTimeout(cut, bounds.authTimeoutMs),
      onData: (chunk) => {
        p.bytes += chunk.length;
        if (p.bytes > bounds.maxPreAuthBytes) sock.destroy();
      },
    };
    held.set(sock, p);
    perSource.set(source, (perSource.get(source) ?? 0) + 1);
    // ssh2 pauses the socket and resumes it once its crypto is ready; this
    // listener added while paused does not start the flow early.
    inject(sock);
    sock.on('data', p.onData);
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    // EMFILE on accept: the kernel keeps the connection queued; say so once.
    if (err.code === 'EMFILE' || err.code === 'ENFILE') log(`accept failed: out of descriptors (${err.code})`);
    else console.error(`ssh: ${err.message}`);
  });

  return {
    server,
    fdLimit: budget.limit,
    versionSeen: (sock) => {
      const p = held.get(sock);
      if (p) { clearTimeout(p.versionTimer); p.versionTimer = undefined; }
    },
    authenticated: release,
    pending: () => held.size,
  };
}
