// The library check's reading of its script's output (the script itself runs
// for real in builder.test.ts and the e2e buildpack tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCheckOutput } from '../../src/builders/buildpack/library-check.js';

test('missing libraries are read per file; a musl build beside the glibc one is not a failure; no count means unfinished', () => {
  const out = parseCheckOutput([
    'missing\t/app/bin/probe\tlibquadmath.so.0',
    'missing\t/app/node_modules/@img/sharp-linuxmusl-x64/lib/sharp.node\tlibc.musl-x86_64.so.1',
    'missing\t/app/node_modules/@img/sharp-linuxmusl-x64/lib/sharp.node\tlibvips-cpp.so.42',
    'some stray line from .profile.d',
    'checked 7',
  ]);
  assert.deepEqual(out, { missing: [{ file: '/app/bin/probe', library: 'libquadmath.so.0' }], checked: 7 });
  assert.equal(parseCheckOutput(['missing\t/app/x\tliby.so']).checked, undefined);
});
