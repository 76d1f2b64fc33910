// One error type for all of Berth. `code` is a stable machine id from the
// one table (error-codes.ts), which also gives the real HTTP status and the
// default hint; `message` is safe to show to the user (expose). `hint` says
// how to fix it, shown on its own ` !     ` line in push output.
import { ERROR_CODES, type ErrorCode } from './error-codes.js';

export type { ErrorCode } from './error-codes.js';

export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; expose?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    const info: { status: number; hint?: string } = ERROR_CODES[code];
    this.name = 'BerthError';
    this.code = code;
    this.status = info.status;
    this.expose = opts.expose ?? info.status < 500;
    this.hint = opts.hint ?? info.hint;
  }
}

/** The usual way to fail: the code's status and, unless `hint` is given, its default hint. */
export const fail = (code: ErrorCode, message: string, hint?: string) => new BerthError(code, message, { hint });
export const unauthorized = (message = 'missing or invalid token') => new BerthError('unauthorized', message);

/** Turns anything thrown into a BerthError without losing the original. */
export function asBerthError(err: unknown): BerthError {
  if (err instanceof BerthError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BerthError('internal', message, { cause: err, expose: false });
}
