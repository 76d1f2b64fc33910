// V8 flags every `berth server` process starts with: install.sh's daemon and
// systemd unit, `npm start`, the router's cluster workers, and the tests and
// benchmarks that start servers. V8 reads them only at process start, so they cannot be
// set from inside (v8.setFlagsFromString comes too late for heap sizes).
//
// --max-semi-space-size=8: the young generation tops out at 2 x 8 MB instead
// of node 20's 2 x 16 MB. The router allocates a few short-lived objects per
// request; with the smaller nursery its median req/s went up ~9% and its p99
// down (interleaved runs against 4 and 16 MB on the 2-core VM this was built
// on; likely because 8 MB stays in cache), and RSS under load fell by 16 MB.
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];

/** `execArgv` plus the server flags it lacks; one given by hand with another value is kept (the operator's choice). */
export function withServerFlags(execArgv: readonly string[]): string[] {
  const names = new Set(execArgv.map((a) => a.split('=')[0]));
  return [...execArgv, ...SERVER_NODE_FLAGS.filter((f) => !names.has(f.split('=')[0]))];
}
