// The TLS port's server. ALPN picks the protocol per connection: `h2` goes
// to node:http2 (guarded by http2-guard.ts), `http/1.1` to node's HTTP/1.1
// machinery inside the same server (allowHTTP1), which emits 'request',
// 'upgrade' and 'clientError' just as an https.Server does. With
// BERTH_ROUTER_HTTP2=off it is a plain https.Server offering only http/1.1.
//
// Http2SecureServer reads the HTTP/1.1 limits (head size, slowloris
// timeouts, keep-alive) from its own properties rather than its options, so
// they are set on it here; without that its HTTP/1.1 side would fall back to
// node's defaults (60 s for the head instead of BERTH_ROUTER_HEADERS_TIMEOUT_SEC).
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { Server as NetServer, Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import { guardSessions, http2Options, type Http2GuardLimits, type SessionGuard } from './http2-guard.js';

export interface TlsServerLimits extends Http2GuardLimits {
  readonly requestTimeoutMs: number;
}

export interface TlsServer {
  readonly server: NetServer;
  /** Undefined when HTTP/2 is off. */
  readonly guard: SessionGuard | undefined;
  /** Ends every connection, HTTP/1.1 and HTTP/2 alike. */
  closeAllConnections(): void;
}

/** The HTTP/1.1 server properties node reads per connection and per request. */
export function http1Settings(l: TlsServerLimits): Partial<http.Server> {
  return {
    maxHeaderSize: l.maxHeaderBytes, headersTimeout: l.headersTimeoutMs, requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    // node's own answer to an HTTP/1.1 request without Host is an empty 400; index.ts says why instead.
    requireHostHeader: false,
  } as Partial<http.Server>;
}

export function createTlsServer(sni: NonNullable<TlsOptions['SNICallback']>, l: TlsServerLimits, serverOpts: http.ServerOptions, log: (line: string) => void): TlsServer {
  if (!l.http2.enabled) {
    const server = https.createServer({ ...serverOpts, SNICallback: sni, ALPNProtocols: ['http/1.1'] });
    return { server, guard: undefined, closeAllConnections: () => server.closeAllConnections() };
  }
  const server = http2.createSecureServer({ ...http2Options(l), SNICallback: sni });
  // Before 'listening': node starts its slowloris checks with this interval then.
  Object.assign(server, http1Settings(l), { connectionsCheckingInterval: serverOpts.connectionsCheckingInterval });
  // The default handler would write an HTTP/1.1 page into a connection whose TLS handshake failed.
  server.removeAllListeners('tlsClientError');
  server.on('tlsClientError', (_err: Error, socket: Socket) => socket.destroy());
  const guard = guardSessions(server, l, log);
  return {
    server,
    guard,
    closeAllConnections() {
      // The HTTP/1.1 connections are in node's list, which Http2SecureServer keeps but has no method for.
      http.Server.prototype.closeAllConnections.call(server as unknown as http.Server);
      guard.destroyAll();
    },
  };
}
