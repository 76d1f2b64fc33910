// Runs an async step over many items, `limit` at a time: for start-up work
// that is mostly waiting (Docker round trips, git processes), where one at a
// time is slow and all at once floods the engine.

/** Calls `step` on every item, at most `limit` at once; rejects with the first error, as Promise.all does. */
export async function eachLimited<T>(items: readonly T[], limit: number, step: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await step(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
}
