// Reads a V8 heap snapshot (.heapsnapshot JSON) into self size per
// constructor/type name, so two snapshots can be diffed: what grew.
import { readFile } from 'node:fs/promises';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Bytes (self size) and counts per "type:name", e.g. "object:Socket", "string", "code". */
export async function heapSummary(file: string): Promise<Map<string, { bytes: number; count: number }>> {
  const snap = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const type = types[snap.nodes[i + iType]!]!;
    // Strings and code are summed by type: their "names" are their contents.
    const key = type === 'object' || type === 'closure' || type === 'native' ? `${type}:${snap.strings[snap.nodes[i + iName]!]}` : type;
    const e = out.get(key) ?? { bytes: 0, count: 0 };
    e.bytes += snap.nodes[i + iSize]!;
    e.count++;
    out.set(key, e);
  }
  return out;
}

/** The `top` entries that grew most from `a` to `b`, as printable lines. */
export function heapGrowth(a: Map<string, { bytes: number; count: number }>, b: Map<string, { bytes: number; count: number }>, top = 15): string[] {
  const rows = [...b].map(([k, v]) => ({ k, d: v.bytes - (a.get(k)?.bytes ?? 0), n: v.count - (a.get(k)?.count ?? 0), total: v.bytes }));
  const total = (m: typeof a) => [...m.values()].reduce((s, v) => s + v.bytes, 0);
  const kb = (x: number) => `${(x / 1024).toFixed(0)} KB`;
  return [`heap total ${kb(total(a))} -> ${kb(total(b))}`,
    ...rows.sort((x, y) => y.d - x.d).slice(0, top).map((r) => `  ${kb(r.d).padStart(9)}  ${String(r.n).padStart(6)} objs  ${r.k}  (now ${kb(r.total)})`)];
}
