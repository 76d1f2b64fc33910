// Aligned plain-text output: tables with a header row (as `docker ps`), and
// Heroku-style `Key: value` blocks. Widths ignore ANSI colour codes.

const ANSI = /\x1b\[[0-9;]*m/g;

export const visibleWidth = (s: string) => s.replace(ANSI, '').length;

const pad = (s: string, width: number, right = false) => {
  const fill = ' '.repeat(Math.max(0, width - visibleWidth(s)));
  return right ? fill + s : s + fill;
};

export interface TableOptions {
  /** Column indexes to right-align (numbers). */
  readonly alignRight?: readonly number[];
  /** Spaces between columns. */
  readonly gap?: number;
}

/** Renders rows under upper-case headers; no trailing spaces on any line. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], opts: TableOptions = {}): string {
  const gap = ' '.repeat(opts.gap ?? 2);
  const all = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => headers.map((_, i) => oneLine(r[i] ?? '')))];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => visibleWidth(r[i]!))));
  return all
    .map((r) => r.map((cell, i) => pad(cell, widths[i]!, opts.alignRight?.includes(i))).join(gap).trimEnd())
    .join('\n');
}

/** `Key:   value` lines with the values aligned, as `heroku config`. */
export function renderKeyValues(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...pairs.map(([k]) => visibleWidth(k) + 1));
  return pairs.map(([k, v]) => `${pad(`${k}:`, width)} ${v}`.trimEnd()).join('\n');
}

/** A cell never spans lines: newlines in a value would break the columns. */
function oneLine(s: string): string {
  return s.replace(/\r?\n/g, '↵');
}

/** Cuts long text with an ellipsis so a table stays readable. */
export function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(0, max - 1))}…` : s;
}
