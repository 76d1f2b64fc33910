// Redis stream ids `ms-seq`, compared as numbers (string order is wrong: "9-0" > "10-0").
export function newerId(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am > bm || (am === bm && as > bs);
}
