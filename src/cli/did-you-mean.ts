// "Did you mean config:set?" for a mistyped command: edit distance with
// transpositions (`cofnig` is one typo, not two), plus the commands the
// typed word is a prefix or a namespace of.

/** Optimal string alignment distance (Damerau-Levenshtein, restricted). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** Up to `max` known names close to `typed`, closest first. */
export function didYouMean(typed: string, known: readonly string[], max = 3): string[] {
  const word = typed.toLowerCase();
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  const scored = known
    .map((name) => {
      const dist = editDistance(word, name);
      // `config:se` or `resource` point at the commands they begin.
      const prefix = word.length >= 3 && name.startsWith(word) ? 0.5 : Infinity;
      // `destroy` finds `apps:destroy`: the verb alone, slightly misspelt.
      const verb = name.includes(':') ? editDistance(word, name.slice(name.indexOf(':') + 1)) + 0.25 : Infinity;
      return { name, score: Math.min(dist, prefix, verb) };
    })
    .filter((s) => s.score <= limit)
    .sort((x, y) => x.score - y.score || x.name.localeCompare(y.name));
  // Only the closest tier: `confg:set` is config:set, not also config:get.
  const best = scored[0]?.score ?? 0;
  return [...new Set(scored.filter((s) => s.score <= Math.floor(best) + 0.5).map((s) => s.name))].slice(0, max);
}
