// git's pkt-line framing, just enough to read the start of a smart-HTTP
// request before git sees it: the ref-update commands of a push (up to
// the first flush-pkt) and the first `want` of a fetch. Reading them here
// is what lets the receiver refuse garbage at once, decide whether a push
// may create an app, and end the "commands" deadline.
import type { Readable } from 'node:stream';
import { BerthError, fail } from '../shared/errors.js';

export const FLUSH = '0000';
const MAX_PKT = 65520;

export interface RefUpdate { readonly old: string; readonly new: string; readonly ref: string }

export interface PushCommands {
  readonly updates: readonly RefUpdate[];
  /** Capabilities the client asked for on the first command line. */
  readonly caps: readonly string[];
}

/** The raw bytes read so far: the section up to and including the flush, and what followed it. */
export interface Head { readonly section: Buffer; readonly rest: Buffer }

const notGit = (what: string) => fail('not_a_git_request', `this is not a git request: ${what}`,
  'use a git client: git push / git fetch with the remote http://<user>:<token>@<host>/<app>.git');

/** Splits complete pkt-lines off the front of buf; returns them and where the first flush ends, if seen. */
export function splitPkts(buf: Buffer): { lines: Buffer[]; end: number | undefined } {
  const lines: Buffer[] = [];
  let at = 0;
  while (buf.length - at >= 4) {
    const hex = buf.toString('latin1', at, at + 4);
    if (!/^[0-9a-f]{4}$/.test(hex)) throw notGit(`bad pkt-line length ${JSON.stringify(hex)}`);
    const len = parseInt(hex, 16);
    if (len === 0) return { lines, end: at + 4 };
    if (len < 4 || len > MAX_PKT) throw notGit(`pkt-line length ${len} is out of range`);
    if (buf.length - at < len) break;
    lines.push(buf.subarray(at + 4, at + len));
    at += len;
  }
  return { lines, end: undefined };
}

/**
 * Reads `stream` up to the end of its first pkt-line section (flush), or
 * only `firstLine` pkt-line when asked. Rejects on bad framing, on more
 * than maxBytes without a flush, on the end of the body, or after
 * timeoutMs; leaves the stream paused for the caller to pipe on.
 */
export function readHead(stream: Readable, opts: { maxBytes: number; timeoutMs: number; firstLineOnly?: boolean }): Promise<Head> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (err: unknown, head?: Head) => {
      clearTimeout(timer);
      stream.off('data', onData).off('end', onEnd).off('error', done);
      stream.pause();
      if (head) resolve(head); else reject(err);
    };
    const timer = setTimeout(() => done(new BerthError('git_timeout', `no git commands arrived within ${Math.round(opts.timeoutMs / 1000)} s`,
      { hint: 'the server waits BERTH_GIT_RECEIVE_TIMEOUT_SEC for a push to start; check the network, then push again' })), opts.timeoutMs);
    const onEnd = () => done(notGit(buf.length ? 'the body ends inside the command list' : 'the body is empty'));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        const cut = opts.firstLineOnly ? firstLineEnd(buf) : splitPkts(buf).end;
        if (cut !== undefined) return done(undefined, { section: buf.subarray(0, cut), rest: buf.subarray(cut) });
        if (buf.length > opts.maxBytes) done(notGit(`no end of the command list in the first ${opts.maxBytes} bytes`));
      } catch (err) { done(err); }
    };
    stream.on('data', onData).on('end', onEnd).on('error', done);
    stream.resume();
  });
}

function firstLineEnd(buf: Buffer): number | undefined {
  if (buf.length < 4) return undefined;
  const { lines, end } = splitPkts(buf.subarray(0, Math.min(buf.length, MAX_PKT)));
  if (end === 4 && lines.length === 0) return 4;
  const first = lines[0];
  return first ? 4 + first.length : undefined;
}

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
// git check-ref-format's rules, in short: no "..", no control or special
// characters, no "/." components, no ".lock" ending.
const REF = /^refs\/(?:heads|tags)\/(?!.*\.\.)(?!.*\/\.)(?!.*\.lock$)(?!.*\/$)(?!.*@\{)[^\0- ~^:?*[\\\x7f]+$/;

/** The ref-update commands of a receive-pack request (the section before its flush). */
export function parsePushCommands(section: Buffer): PushCommands {
  const { lines } = splitPkts(section);
  const updates: RefUpdate[] = [];
  let caps: string[] = [];
  for (const raw of lines) {
    let text = raw.toString('latin1').replace(/\n$/, '');
    if (text.startsWith('shallow ')) {
      if (!OID.test(text.slice(8))) throw notGit('bad shallow line');
      continue;
    }
    const nul = text.indexOf('\0');
    if (nul >= 0) {
      if (updates.length === 0) caps = text.slice(nul + 1).trim().split(/ +/).filter(Boolean);
      text = text.slice(0, nul);
    }
    const [old, neu, ref, ...extra] = text.split(' ');
    if (!old || !neu || !ref || extra.length || !OID.test(old) || !OID.test(neu)) throw notGit(`bad ref-update command ${JSON.stringify(text.slice(0, 120))}`);
    if (!REF.test(ref)) {
      throw new BerthError('ref_not_allowed', `"${ref.slice(0, 200)}" cannot be pushed: Berth takes branches (refs/heads/...) and tags (refs/tags/...)`,
        { hint: 'push a branch, e.g. git push berth main' });
    }
    updates.push({ old, new: neu, ref });
  }
  return { updates, caps };
}

export const isZeroOid = (oid: string) => /^0+$/.test(oid);
export const DEPLOY_REFS: readonly string[] = ['refs/heads/main', 'refs/heads/master'];

/** A pkt-line holding `payload`. */
export function pkt(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body]);
}
