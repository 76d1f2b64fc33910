// One spelling per path. Before any route, body parser or guard, a path that
// is not in canonical form is refused: `//`, `.` and `..` segments,
// backslashes, NUL, malformed escapes, and percent-encoded characters that
// never need encoding (`%41` for `A`, `%2e` for `.`). Routes then match
// exactly (case-sensitive, strict), so `/API/V1/...` or `/api/v1/apps/` is
// simply no route: 404.
import type { Context, Next } from 'koa';
import { nonCanonical, nonCanonicalError } from '../shared/canonical-path.js';

export async function canonicalPath(ctx: Context, next: Next): Promise<void> {
  const reason = nonCanonical(ctx.path);
  if (reason) throw nonCanonicalError(reason);
  await next();
}
