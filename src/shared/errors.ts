// One error type for all of Berth. `status` is a real HTTP status, `code` a
// stable machine id, and `message` is safe to show to the user (expose).
// `hint` says how to fix it, shown on its own ` !     ` line in push output.

export class BerthError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly hint?: string;

  constructor(code: string, status: number, message: string, opts: { hint?: string; expose?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BerthError';
    this.code = code;
    this.status = status;
    this.expose = opts.expose ?? status < 500;
    this.hint = opts.hint;
  }
}

export const badRequest = (code: string, message: string, hint?: string) => new BerthError(code, 400, message, { hint });
export const unauthorized = (message = 'missing or invalid token') =>
  new BerthError('unauthorized', 401, message, { hint: 'check BERTH_TOKEN or the token in your git remote URL' });
export const notFound = (code: string, message: string, hint?: string) => new BerthError(code, 404, message, { hint });
export const conflict = (code: string, message: string, hint?: string) => new BerthError(code, 409, message, { hint });

/** Turns anything thrown into a BerthError without losing the original. */
export function asBerthError(err: unknown): BerthError {
  if (err instanceof BerthError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BerthError('internal', 500, message, { cause: err, expose: false });
}
