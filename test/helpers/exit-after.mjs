// Loaded into every test file by test/run.mjs. Node 20's test runner has no
// --test-force-exit: a file whose failed test leaves a timer, socket or
// client loop open would never exit, and the whole run (CI) would hang on it.
// Once all of a file's tests and hooks are done, it gets 60 s to exit by
// itself; then it is ended with the runner's own exit code, saying so.
import { after } from 'node:test';

after(() => {
  setTimeout(() => {
    console.error('# this test file did not exit 60 s after its last test (something was left open); ending it');
    process.exit(process.exitCode ?? 0);
  }, 60_000).unref();
});
