// git over SSH: ssh2's server on BERTH_SSH_PORT.
//   accept (ssh-gate.ts: deadlines, caps and a byte bound from the first byte)
//   -> rate limit -> publickey auth against registered keys
//   -> exec "git-receive-pack '<app>.git'" (or upload-pack) only
//   -> scope check (the key's user re-checked now, so a removed key stops at once)
//   -> `git receive-pack <repo>` with the pusher in its environment; the
//      shared pre-receive hook builds and streams `remote:` lines as over HTTP.
// Shells, PTYs, port forwarding, other commands and unknown keys are refused.
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ServerChannel, Session } from 'ssh2';
import { fingerprintOf } from '../ops/access/ssh-key.js';
import { appNotFound } from '../ops/app-lookup.js';
import { auditRecord } from '../ops/audit/record.js';
import { authCheckKey, authCheckRate, authFailed, type AuthOrigin } from '../ops/auth/check-token.js';
import type { OpsDeps } from '../ops/deps.js';
import { allows, forbidden } from '../shared/access.js';
import { asBerthError, unauthorized } from '../shared/errors.js';
import { getKey } from '../store/access.js';
import { getApp } from '../store/apps.js';
import { pusherEnv } from './receiver.js';
import { createIncomingRepo, ensureRepo, repoExists, repoPath, settleIncomingRepo } from './repos.js';
import { parseGitCommand } from './ssh-command.js';
import { createSshGate, type SshGate } from './ssh-gate.js';
import { loadHostKey } from './ssh-host-key.js';

export interface SshServer { readonly port: number; readonly fingerprint: string; close(): Promise<void> }

const NO_SHELL = 'berth: there is no shell here: this is Berth\'s git remote. Push with: git push ssh://git@<host>:<port>/<app>.git main';

/** Writes one line to the client's stderr and closes the channel with status 1. */
function refuse(channel: ServerChannel, message: string): void {
  channel.stderr.write(`${message}\n`);
  channel.exit(1);
  channel.end();
}

export async function startSshServer(deps: OpsDeps, port: number): Promise<SshServer> {
  const hostKey = await loadHostKey(deps.config);
  const clients = new Set<Connection>();
  const server = new ssh2.Server({ hostKeys: [hostKey.privateKey], ident: 'Berth' }, (client, info) => {
    const origin: AuthOrigin = { source: info.ip.replace(/^::ffff:/, ''), via: 'ssh' };
    clients.add(client);
    client.on('close', () => clients.delete(client));
    onConnection(client, origin, gate, deps);
  });
  // ssh2 listens on nothing: the gate accepts, and hands over what it lets in.
  const gate = createSshGate(deps.config.sshGate, (sock) => server.injectSocket(sock));
  await new Promise<void>((resolve, reject) => {
    gate.server.once('error', reject);
    gate.server.listen(port, deps.config.bindHost, () => { gate.server.off('error', reject); resolve(); });
  });
  const bound = (gate.server.address() as { port: number }).port;
  if (gate.fdLimit !== Infinity) {
    console.log(`berth: ssh: descriptor limit ${gate.fdLimit}; new SSH connections are refused within ${deps.config.sshGate.fdReserve} of it (BERTH_FD_RESERVE)`);
  }
  return {
    port: bound, fingerprint: hostKey.fingerprint,
    close: () => new Promise<void>((resolve) => {
      gate.server.close(() => resolve());
      // A session mid-push would hold the close open: end them all.
      for (const c of clients) c.end();
    }),
  };
}

function onConnection(client: Connection, origin: AuthOrigin, gate: SshGate, deps: OpsDeps): void {
  const sock = (client as unknown as { _sock: Socket })._sock;
  // The gate timed the version line from accept; authentication stays on its clock.
  gate.versionSeen(sock);
  // An authenticated session that goes quiet is cut off.
  sock.setTimeout(deps.config.access.sshIdleTimeoutMs, () => sock.destroy());
  let fingerprint: string | undefined;
  // A protocol error (a bad packet length, say) ends the connection at once:
  // ssh2 only half-closes, and its parser would go on reading into the packet.
  client.on('error', () => sock.destroy());
  client.on('authentication', (ctx) => {
    authenticate(ctx, origin, deps).then((verdict) => {
      if (verdict === 'reject') return ctx.reject(['publickey']);
      if (verdict !== 'query') fingerprint = verdict;
      ctx.accept();
    }, (err: Error) => {
      // Over the limit (or Redis down): no more methods to try.
      if (asBerthError(err).status !== 429) console.error(`ssh auth: ${err.message}`);
      ctx.reject([]);
    });
  });
  client.on('ready', () => {
    gate.authenticated(sock);
    client.on('session', (accept) => onSession(accept(), fingerprint!, origin, deps));
  });
  // Port forwarding, both directions, and other global requests.
  client.on('tcpip', (_accept, reject) => reject());
  client.on('openssh.streamlocal', (_accept, reject) => reject());
  client.on('request', (_accept, reject) => reject?.());
}

/** A registered key with a good signature: its fingerprint; a key probe of one: 'query'. */
async function authenticate(ctx: AuthContext, origin: AuthOrigin, deps: OpsDeps): Promise<string | 'query' | 'reject'> {
  await authCheckRate(origin.source, deps);
  if (ctx.method !== 'publickey') return 'reject';
  const fp = fingerprintOf(ctx.key.data);
  const record = await getKey(deps.redis, fp);
  const principal = record ? await authCheckKey(fp, deps) : undefined;
  if (!record || !principal) {
    await authFailed(origin, unauthorized(`unknown SSH key ${fp}`), deps);
    return 'reject';
  }
  if (!ctx.signature || !ctx.blob) return 'query';
  const parsed = ssh2.utils.parseKey(record.publicKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error || key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
    await authFailed(origin, unauthorized(`bad signature for SSH key ${fp}`), deps);
    return 'reject';
  }
  return fp;
}

function onSession(session: Session, fingerprint: string, origin: AuthOrigin, deps: OpsDeps): void {
  session.on('pty', (_accept, reject) => reject?.());
  session.on('x11', (_accept, reject) => reject?.());
  session.on('auth-agent', (_accept, reject) => reject?.());
  session.on('env', (_accept, reject) => reject?.());
  session.on('subsystem', (accept) => refuse(accept(), NO_SHELL));
  session.on('shell', (accept) => refuse(accept(), NO_SHELL));
  session.on('exec', (accept, _reject, info) => {
    const channel = accept();
    runGit(channel, info.command, fingerprint, origin, deps).catch((err) => {
      const e = asBerthError(err);
      if (!e.expose) console.error('ssh:', err);
      refuse(channel, `berth: ${e.expose ? e.message : 'internal error'}${e.hint ? `\nberth: ${e.hint}` : ''}`);
    });
  });
}

async function runGit(channel: ServerChannel, command: string, fingerprint: string, origin: AuthOrigin, deps: OpsDeps): Promise<void> {
  const { service, app } = parseGitCommand(command);
  // Checked again now: the key or its user may have gone since the handshake.
  const principal = await authCheckKey(fingerprint, deps);
  if (!principal) throw unauthorized('this SSH key is no longer registered');
  const action = service === 'git-receive-pack' ? 'push' : 'read';
  if (!allows(principal.scopes, action, app)) {
    if (action === 'push') await auditRecord({ user: principal.user, ...origin, action: 'git:push', app, result: 'denied', error: 'forbidden' }, deps);
    throw forbidden(principal, action, app);
  }
  const known = (await getApp(deps.redis, app)) !== undefined;
  if (service === 'git-upload-pack' && (!known || !repoExists(repoPath(deps.config, app)))) {
    throw appNotFound(app);
  }
  // As over HTTP: a new app's push goes to an incoming repo, which becomes
  // the app's only if the hook created the app (a push to main or master).
  const dir = known ? await ensureRepo(deps.config, app) : await createIncomingRepo(deps.config, app);
  const settle = known ? undefined : async () => settleIncomingRepo(deps.config, app, dir, (await getApp(deps.redis, app)) !== undefined);
  // The hook reads these to tell the receive endpoint who pushes.
  const env = { ...process.env, ...pusherEnv(principal, origin.source, 'ssh') };
  const child = spawn('git', [service.slice('git-'.length), dir], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {});
  channel.on('error', () => {});
  channel.pipe(child.stdin);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  await new Promise<void>((resolve) => {
    child.once('error', (err) => { refuse(channel, `berth: could not start git (${err.message})`); resolve(); });
    child.once('close', (code) => {
      void (settle?.() ?? Promise.resolve()).catch((err: Error) => console.error(`ssh: ${err.message}`)).finally(() => {
        channel.exit(code ?? 1);
        channel.end();
        resolve();
      });
    });
  });
}
