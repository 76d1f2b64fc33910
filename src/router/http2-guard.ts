// HTTP/2's abuse bounds on the router's TLS port. The server's settings
// carry the static ones; the rest is watched per session (one connection):
//   streams beyond maxConcurrentStreams ─► refused by nghttp2 (REFUSED_STREAM);
//     node closes a session that keeps opening them (maxSessionRejectedStreams)
//   a header list over maxHeaderBytes, or over maxHeaderListPairs fields ─►
//     that stream reset (ENHANCE_YOUR_CALM), the app sees nothing
//   HPACK table, session memory, SETTINGS entries; PING and SETTINGS floods
//     (nghttp2's bound on unsent ACKs) ─► the session closed
//   streams the client resets, over maxResetsPerSec in one second ─► GOAWAY
//     ENHANCE_YOUR_CALM and the session closed (rapid reset, CVE-2023-44487)
//   no open stream for keepAliveTimeoutMs (headersTimeoutMs before the first) ─► GOAWAY
// node 20's nghttp2 (1.61) throttles resets itself (a burst of 1000, then
// 33/s) but keeps serving such a connection: a rapid-reset client was still
// connected after 3 s and 10,000 resets. A client that resets more than a
// browser leaving a page does is told to go away instead.
import http2, { type Http2Session, type SecureServerOptions, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Http2Limits } from '../config/index.js';
import { routerSettings } from '../config/router-settings.js';

const { NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;
// Time for a GOAWAY to reach the client before its connection is closed.
const GOAWAY_GRACE_MS = 100;

/** What the guard reads: HTTP/2's own bounds plus the router's shared ones. */
export interface Http2GuardLimits {
  readonly http2: Http2Limits;
  readonly maxHeaderBytes: number;
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

export const DEFAULT_HTTP2: Http2Limits = routerSettings({}).http2;

/** The node:http2 options for these limits (TLS and SNI are the caller's). */
export function http2Options(l: Http2GuardLimits): SecureServerOptions {
  const h = l.http2;
  return {
    allowHTTP1: true,
    settings: {
      maxConcurrentStreams: h.maxConcurrentStreams, maxHeaderListSize: l.maxHeaderBytes,
      headerTableSize: h.headerTableBytes, enablePush: false,
    },
    peerMaxConcurrentStreams: h.maxConcurrentStreams,
    maxDeflateDynamicTableSize: h.headerTableBytes,
    maxSessionMemory: h.maxSessionMemoryMb,
    maxSettings: h.maxSettings,
    maxOutstandingPings: h.maxOutstandingPings,
  };
}

export interface SessionGuard {
  /** Open sessions, so that close() can end them (the HTTP/1.1 bookkeeping does not see them). */
  readonly sessions: ReadonlySet<ServerHttp2Session>;
  /** Sessions told to go away for resetting too many streams (for tests and logs). */
  readonly refusedForResets: () => number;
  destroyAll(): void;
}

const ended = (s: ServerHttp2Session) => s.closed || s.destroyed;
// Sessions told to go away for their resets: their streams still open get no app's time.
const shunned = new WeakSet<Http2Session>();
export const isShunned = (s: Http2Session | undefined): boolean => s !== undefined && shunned.has(s);

/** Watches every session `server` accepts. */
export function guardSessions(server: { on(event: 'session', l: (s: ServerHttp2Session) => void): unknown }, l: Http2GuardLimits, log: (line: string) => void): SessionGuard {
  const sessions = new Set<ServerHttp2Session>();
  let refused = 0;
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    // Errors of a client's session (a reset socket, a protocol error) end only that session.
    session.on('error', () => session.destroy());
    watch(session, l, () => {
      refused++;
      log(`router: HTTP/2 client ${session.socket?.remoteAddress ?? '?'} reset over ${l.http2.maxResetsPerSec} streams in a second; sent GOAWAY`);
    });
  });
  return {
    sessions,
    refusedForResets: () => refused,
    destroyAll() {
      for (const s of sessions) s.destroy();
    },
  };
}

function watch(session: ServerHttp2Session, l: Http2GuardLimits, onTooManyResets: () => void): void {
  let open = 0;
  let windowStart = 0;
  let resets = 0;
  let idle: NodeJS.Timeout | undefined;
  const arm = (ms: number) => {
    clearTimeout(idle);
    idle = setTimeout(() => { if (!ended(session)) session.close(); }, ms);
    idle.unref();
  };
  arm(l.headersTimeoutMs);
  session.once('close', () => clearTimeout(idle));

  let told = false;
  const onReset = () => {
    if (told || ended(session)) return; // the session itself is going: its streams are not the client's resets
    const now = Date.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      resets = 0;
    }
    if (++resets <= l.http2.maxResetsPerSec) return;
    told = true;
    shunned.add(session);
    onTooManyResets();
    // GOAWAY first, and the socket closed only once it is written: destroy() alone can close it with the frame unsent.
    session.goaway(NGHTTP2_ENHANCE_YOUR_CALM);
    setTimeout(() => session.destroy(), GOAWAY_GRACE_MS).unref();
  };

  session.on('stream', (stream: ServerHttp2Stream) => {
    // 'stream' comes a tick after the frames: a stream reset in the same read is already aborted.
    if (stream.aborted) onReset();
    if (stream.destroyed) return;
    if (!stream.aborted) stream.once('aborted', onReset);
    open++;
    clearTimeout(idle);
    stream.once('close', () => {
      if (--open === 0 && !ended(session)) arm(l.keepAliveTimeoutMs);
    });
  });
}
