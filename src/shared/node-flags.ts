// V8 flags every `berth server` process starts with: install.sh's daemon and
// systemd unit, the router's cluster workers, and the tests and benchmarks
// that start servers. V8 reads them only at process start, so they cannot be
// set from inside (v8.setFlagsFromString comes too late for heap sizes).
//
// --max-semi-space-size=8: the young generation tops out at 2 x 8 MB instead
// of node 20's 2 x 16 MB. The router allocates a few short-lived objects per
// request; with the smaller nursery its req/s went up ~9% and p99 down
// (interleaved runs of test/bench/router.bench.ts on this 2-core machine:
// it stays in cache), and RSS under load fell by 16 MB.
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];

/** `execArgv` plus the server flags it lacks (a later flag would win anyway, but one copy reads better in ps). */
export function withServerFlags(execArgv: readonly string[]): string[] {
  const names = new Set(execArgv.map((a) => a.split('=')[0]));
  return [...execArgv, ...SERVER_NODE_FLAGS.filter((f) => !names.has(f.split('=')[0]))];
}
