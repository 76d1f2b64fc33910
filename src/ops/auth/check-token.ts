// auth:check — every adapter (API, git, dashboard) asks this one question.
import { timingSafeEqual, createHash } from 'node:crypto';
import { unauthorized } from '../../shared/errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Throws 401 unless `presented` is the admin token. Constant time. */
export function authCheckToken(presented: string | undefined, adminToken: string): void {
  if (!presented || !timingSafeEqual(digest(presented), digest(adminToken))) {
    throw unauthorized(presented ? 'invalid token' : 'missing token');
  }
}

/** Token from `Authorization: Bearer x` or Basic auth (password, or user when no password). */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ', 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value.trim();
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return decoded || undefined;
    return decoded.slice(i + 1) || decoded.slice(0, i) || undefined;
  }
  return undefined;
}
