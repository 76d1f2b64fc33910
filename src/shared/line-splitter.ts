// Lines out of a stream that arrives in chunks of any size: Docker's event
// and build streams (one JSON object a line) and a one-off's output. One
// splitter for all of them, because each hand-written one had the same two
// faults: a UTF-8 character cut between two chunks became two replacement
// characters, and a stream that never sent a newline grew its buffer without
// end. A line longer than the bound is handed on in pieces of that size.

import { StringDecoder } from 'node:string_decoder';

/** Longer lines are cut into pieces of this many characters. */
export const MAX_LINE_CHARS = 1024 * 1024;

export interface LineSplitter {
  /** Takes the next chunk; calls onLine for each line it completes (without its `\n`). */
  push(chunk: Buffer | string): void;
  /** The stream ended: what is left after the last newline is a line too, when not empty. */
  end(): void;
}

export function lineSplitter(onLine: (line: string) => void, maxLineChars = MAX_LINE_CHARS): LineSplitter {
  const decoder = new StringDecoder('utf8');
  let buf = '';
  const take = (text: string) => {
    buf += text;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      emit(line);
    }
    while (buf.length > maxLineChars) {
      onLine(buf.slice(0, maxLineChars));
      buf = buf.slice(maxLineChars);
    }
  };
  const emit = (line: string) => {
    for (let i = 0; i < line.length; i += maxLineChars) onLine(line.slice(i, i + maxLineChars));
    if (line.length === 0) onLine('');
  };
  return {
    push: (chunk) => take(typeof chunk === 'string' ? chunk : decoder.write(chunk)),
    end() {
      take(decoder.end());
      const rest = buf;
      buf = '';
      if (rest) onLine(rest);
    },
  };
}
