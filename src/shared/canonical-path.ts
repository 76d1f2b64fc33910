// One spelling per path, for every surface on the API port (the API, the
// dashboard and git over HTTP): `//`, `.` and `..` segments, backslashes,
// NUL, malformed escapes, and percent-encoded characters that never need
// encoding (`%41` for `A`, `%2e` for `.`) are refused before anything else.
import { fail, type BerthError } from './errors.js';
// RFC 3986 unreserved: ALPHA, DIGIT, '-', '.', '_', '~'.
const ENCODED_UNRESERVED = /%(?:3[0-9]|4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a]|2[de]|5f|7e)/i;
const BAD_ESCAPE = /%(?![0-9a-f]{2})/i;
const DOT_SEGMENT = /(?:^|\/)\.{1,2}(?:\/|$)/;

/** Why `rawPath` (the path as sent, before decoding) is not canonical, or undefined. */
export function nonCanonical(rawPath: string): string | undefined {
  if (!rawPath.startsWith('/')) return 'the path must start with "/"';
  if (rawPath.includes('//')) return 'the path has an empty segment ("//")';
  if (DOT_SEGMENT.test(rawPath)) return 'the path has a "." or ".." segment';
  if (rawPath.includes('\\')) return 'the path has a backslash';
  if (BAD_ESCAPE.test(rawPath)) return 'the path has a malformed %-escape';
  if (/%00/.test(rawPath)) return 'the path has an encoded NUL';
  if (ENCODED_UNRESERVED.test(rawPath)) return 'the path percent-encodes a character that needs no encoding';
  return undefined;
}

export function nonCanonicalError(reason: string): BerthError {
  return fail('non_canonical_path', `${reason}: send each path in its one canonical form`, 'see /api/v1/openapi.json for the paths the API serves');
}

