// The one line splitter (src/shared/line-splitter.ts) that Docker's event
// and build streams, build containers, one-offs and cron output go through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineSplitter } from '../../src/shared/line-splitter.js';

function split(chunks: (Buffer | string)[], max?: number): string[] {
  const out: string[] = [];
  const s = lineSplitter((l) => out.push(l), max);
  for (const c of chunks) s.push(c);
  s.end();
  return out;
}

test('lines whatever the chunking; the rest after the last newline is a line; empty lines are kept', () => {
  assert.deepEqual(split(['a\nb', 'c\n', '\nd']), ['a', 'bc', '', 'd']);
  assert.deepEqual(split(['x\n']), ['x']);
  assert.deepEqual(split([]), []);
});

test('a UTF-8 character cut between two chunks arrives whole', () => {
  const bytes = Buffer.from('héllo ✓\n', 'utf8');
  const cut = bytes.indexOf(0xa9); // inside é (c3 a9)
  assert.deepEqual(split([bytes.subarray(0, cut), bytes.subarray(cut, cut + 6), bytes.subarray(cut + 6)]), ['héllo ✓']);
});

test('a stream with no newline is cut at the bound instead of buffered without end', () => {
  const seen: string[] = [];
  const s = lineSplitter((l) => seen.push(l), 10);
  s.push('0123456789abcdefghij0123');
  assert.deepEqual(seen, ['0123456789', 'abcdefghij'], 'cut before the stream ends');
  s.push('\nok\n');
  s.end();
  assert.deepEqual(seen, ['0123456789', 'abcdefghij', '0123', 'ok']);
  assert.deepEqual(split(['abcdefghijklmnopqrstuvwxyz\n'], 10), ['abcdefghij', 'klmnopqrst', 'uvwxyz']);
});
