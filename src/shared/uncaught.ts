// How many errors the server's last-resort guard caught (src/main). Each
// one is a bug: /healthz and /metrics show the count so it gets noticed.
let count = 0;

export const uncaughtCount = (): number => count;
export const countUncaught = (): number => ++count;
