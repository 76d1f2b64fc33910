// Lines arriving from a stream, kept in a plain array (no copy per line) with
// a version signal bumped at most once per animation frame: 1,000 lines a
// second cost one render a frame, not a thousand.
import { signal } from '@preact/signals';

export interface LogRow { readonly id: string; readonly text: string; readonly process?: string; readonly time?: string }

export class LogStore {
  readonly lines: LogRow[] = [];
  readonly version = signal(0);
  private scheduled = false;
  /** Ids seen, so a resumed stream can never show a line twice. */
  private lastId = '';

  constructor(private readonly max = 200_000) {}

  push(row: LogRow): void {
    if (row.id && this.lastId && !newer(row.id, this.lastId)) return;
    if (row.id) this.lastId = row.id;
    this.lines.push(row);
    if (this.lines.length > this.max * 1.1) this.lines.splice(0, this.lines.length - this.max);
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => { this.scheduled = false; this.version.value++; });
    }
  }

  clear(): void { this.lines.length = 0; this.lastId = ''; this.version.value++; }
}

/** Redis stream ids `ms-seq`, compared as numbers. */
export function newer(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am > bm || (am === bm && as > bs);
}
