// Where the CLI writes, and how: data on stdout (plain when piped, coloured
// on a terminal), progress and errors on stderr in Heroku's ` !     ` style.
// Commands get an Output rather than `process`, so tests can capture it.

export interface Stream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

export interface InputStream extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface CliIo {
  readonly stdout: Stream;
  readonly stderr: Stream;
  readonly stdin: InputStream;
  /** The environment to read settings from; default: the process's. */
  readonly env?: Record<string, string | undefined>;
}

export function processIo(): CliIo {
  // `berth logs app | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
export type Colour = keyof typeof CODES;
// Distinct, readable colours for process prefixes in `logs`, as Heroku does.
const PREFIX_COLOURS: readonly Colour[] = ['cyan', 'magenta', 'green', 'yellow', 'blue'];

export class Output {
  readonly colour: boolean;

  constructor(readonly io: CliIo, noColor = false) {
    this.colour = Boolean(io.stdout.isTTY) && !noColor;
  }

  get stdout(): Stream { return this.io.stdout; }
  get stderr(): Stream { return this.io.stderr; }

  /** One line of data on stdout. */
  line(text = ''): void { this.io.stdout.write(`${text}\n`); }
  /** The raw API JSON for `--json`, pretty so people can read it too. */
  json(value: unknown): void { this.line(JSON.stringify(value, null, 2)); }
  /** A Heroku section header: `=== my-app Config Vars`. */
  header(text: string): void { this.line(this.paint('bold', `=== ${text}`)); }
  /** Information for the person, not for a pipe: stderr. */
  info(text: string): void { this.io.stderr.write(`${text}\n`); }
  /** ` !     message` on stderr, one line each. */
  error(...lines: (string | undefined)[]): void {
    for (const l of lines) if (l) this.io.stderr.write(` !     ${l}\n`);
  }

  paint(colour: Colour, text: string): string {
    return this.colour ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
  }

  /** The same process (`web.1`) always gets the same colour. */
  paintProcess(name: string): string {
    if (!this.colour) return name;
    const type = name.split('.')[0] ?? name;
    let h = 0;
    for (const ch of type) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    return this.paint(PREFIX_COLOURS[h % PREFIX_COLOURS.length]!, name);
  }
}

/** `42s ago`, `5m ago`, `3h ago`, `2d ago` for an epoch-ms or ISO time. */
export function ago(time: number | string | undefined, now = Date.now()): string {
  if (time === undefined || time === '') return '';
  const t = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(t)) return String(time);
  const sec = Math.max(0, Math.round((now - t) / 1000));
  return sec < 5 ? 'just now' : `${duration(sec)} ago`;
}

/** `42s`, `5m 3s`, `3h 12m`, `2d 4h`: the two largest units. */
export function duration(totalSec: number): string {
  const s = Math.max(0, Math.floor(totalSec));
  const units: [number, string][] = [[86_400, 'd'], [3600, 'h'], [60, 'm'], [1, 's']];
  const parts: string[] = [];
  let left = s;
  for (const [size, name] of units) {
    if (left >= size || (size === 1 && parts.length === 0)) {
      parts.push(`${Math.floor(left / size)}${name}`);
      left %= size;
    }
    if (parts.length === 2) break;
  }
  // `5m` rather than `5m 0s`.
  return parts.filter((p, i) => i === 0 || !/^0/.test(p)).join(' ');
}

/** An ISO time for tables: `2026-11-29 03:00:00`, in UTC like the logs. */
export function stamp(time: number | string | undefined): string {
  if (time === undefined || time === '') return '';
  const d = new Date(time);
  return Number.isNaN(d.getTime()) ? String(time) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** `a`, `a and b`, `a, b and c`. */
export function listing(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** `512m`, `1g`, `1536m`, the way `resource:limit` takes it. */
export function bytes(n: number | undefined): string {
  if (n === undefined) return '';
  const mib = n / 1024 ** 2;
  if (mib >= 1024 && mib % 1024 === 0) return `${mib / 1024}g`;
  return Number.isInteger(mib) ? `${mib}m` : `${Math.round(n / 1024)}k`;
}
