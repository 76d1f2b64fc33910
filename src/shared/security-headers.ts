// The security headers every answer of the API port carries: the dashboard
// and API through koa (dashboard/headers.ts), the git endpoints on their
// raw responses (git/reply.ts). One list, so the two cannot drift apart.
// The CSP allows only this origin: no inline script or style, no framing.
export const CSP = [
  "default-src 'self'",
  "base-uri 'none'",
  "object-src 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
});

/**
 * Text that may hold what a client sent, made safe to echo in a text/plain
 * answer a terminal prints (git shows it as `remote:` lines): control
 * characters, which could move a terminal's cursor or forge a line, become
 * \xNN or \uNNNN. Markup needs no escaping there: the answer is text/plain
 * with nosniff, so no browser renders it.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}
