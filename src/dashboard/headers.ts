// Headers on every answer of the API port (the list: shared/security-headers.ts).
// The CSP allows only this origin: no inline script or style (the bundle sets
// styles through the DOM, which CSP permits), no framing; assets are never
// sniffed into another type.
import type { Context } from 'koa';
import { SECURITY_HEADERS } from '../shared/security-headers.js';

export { CSP } from '../shared/security-headers.js';

export function securityHeaders(ctx: Context): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) ctx.set(name, value);
}
