// Requests whose body is a stream for the handler, not JSON (their routes
// are registered with rawBody): the 30 s body deadline, applied before any
// route is matched, gives way to the handler's own (services:import cuts an upload that stalls, bounds its
// size, and has the backup deadline as a whole).
const STREAMED: readonly [string, RegExp][] = [
  ['PUT', /^\/api\/v1\/services\/[a-z][a-z0-9-]{0,29}\/import$/],
];

export function isStreamUpload(method: string | undefined, path: string | undefined): boolean {
  const p = (path ?? '').split('?')[0] ?? '';
  return STREAMED.some(([m, re]) => m === method && re.test(p));
}
